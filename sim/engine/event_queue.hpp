#pragma once
// Min-queue of timed events, ordered by (time, insertion sequence) so that simultaneous events
// pop in the order they were pushed: the same input always gives the same run.
#include <cstdint>
#include <queue>
#include <vector>

namespace trainsim {

template <typename Payload>
class EventQueue {
 public:
  struct Event {
    double time_s;
    std::uint64_t sequence;
    Payload payload;
  };

  void push(double time_s, Payload payload) {
    heap_.push(Event{time_s, next_sequence_++, payload});
  }
  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  const Event& top() const { return heap_.top(); }
  Event pop() {
    Event e = heap_.top();
    heap_.pop();
    return e;
  }
  std::uint64_t pushed() const { return next_sequence_; }

 private:
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      if (a.time_s != b.time_s) return a.time_s > b.time_s;
      return a.sequence > b.sequence;
    }
  };
  std::priority_queue<Event, std::vector<Event>, Later> heap_;
  std::uint64_t next_sequence_ = 0;
};

}  // namespace trainsim
