#include "sim/network/simgrid_isolation.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <system_error>

#include <fmt/format.h>

namespace trainsim {
namespace {

// Set by an in_process run: SimGrid's global state then lives in this process, and a forked child
// would inherit it, so no further simulation of either kind is safe here.
std::atomic<bool> simgrid_ran_in_this_process{false};

// Child → parent message: a tag, a payload length, the payload (completion times as doubles,
// or an error text).
enum class MessageTag : std::uint32_t { ok = 0x464c4f57, error = 0x4641494c };  // "FLOW", "FAIL"

bool write_all(int fd, const void* data, std::size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool write_message(int fd, MessageTag tag, const void* payload, std::uint64_t size) {
  return write_all(fd, &tag, sizeof tag) && write_all(fd, &size, sizeof size) &&
         write_all(fd, payload, size);
}

std::string read_all(int fd) {
  std::string data;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(),
                              "flow engine: reading the child's pipe");
    }
    if (n == 0) return data;
    data.append(buffer, static_cast<std::size_t>(n));
  }
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return fmt::format("was killed by signal {} ({})", WTERMSIG(status),
                       strsignal(WTERMSIG(status)));
  return fmt::format("ended with wait status {}", status);
}

[[noreturn]] void child_main(int fd, const std::function<std::vector<double>()>& job) {
  int code = 0;
  try {
    const std::vector<double> finish_s = job();
    if (!write_message(fd, MessageTag::ok, finish_s.data(), finish_s.size() * sizeof(double)))
      code = 3;
  } catch (const std::exception& e) {
    const std::string what = e.what();
    write_message(fd, MessageTag::error, what.data(), what.size());
    code = 1;
  } catch (...) {
    const std::string what = "unknown exception";
    write_message(fd, MessageTag::error, what.data(), what.size());
    code = 1;
  }
  ::close(fd);
  // _exit: no atexit handlers, static destructors or stdio flushes of the parent's state.
  ::_exit(code);
}

std::vector<double> run_in_child_process(std::size_t expected_count,
                                         const std::function<std::vector<double>()>& job) {
  if (simgrid_ran_in_this_process.load())
    throw std::logic_error(
        "flow simulation: this process already ran SimGrid in-process (IsolationKind::in_process), "
        "and a forked child would inherit that Engine's state");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw std::system_error(errno, std::generic_category(), "flow engine: pipe");
  std::fflush(nullptr);  // or the child's copies of unflushed buffers could be written twice
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    throw std::system_error(err, std::generic_category(), "flow engine: fork");
  }
  if (pid == 0) {
    ::close(fds[0]);
    child_main(fds[1], job);
  }
  ::close(fds[1]);
  std::string data;
  std::exception_ptr read_error;
  try {
    data = read_all(fds[0]);
  } catch (...) {
    read_error = std::current_exception();
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      throw std::system_error(errno, std::generic_category(), "flow engine: waitpid");
  }
  if (read_error) std::rethrow_exception(read_error);

  constexpr std::size_t kHeader = sizeof(MessageTag) + sizeof(std::uint64_t);
  MessageTag tag{};
  std::uint64_t size = 0;
  if (data.size() >= kHeader) {
    std::memcpy(&tag, data.data(), sizeof tag);
    std::memcpy(&size, data.data() + sizeof tag, sizeof size);
  }
  if (data.size() < kHeader || data.size() != kHeader + size) {
    throw std::runtime_error(fmt::format(
        "flow simulation: the SimGrid child process {} without a complete result (see its "
        "message on stderr)",
        describe_status(status)));
  }
  if (tag == MessageTag::error)
    throw std::runtime_error("flow simulation failed: " + data.substr(kHeader));
  if (tag != MessageTag::ok || size != expected_count * sizeof(double))
    throw std::logic_error("flow simulation: malformed result from the SimGrid child process");
  std::vector<double> finish_s(expected_count);
  if (size > 0) std::memcpy(finish_s.data(), data.data() + kHeader, size);
  return finish_s;
}

std::vector<double> run_in_this_process(std::size_t expected_count,
                                        const std::function<std::vector<double>()>& job) {
  if (simgrid_ran_in_this_process.exchange(true))
    throw std::logic_error(
        "flow simulation: SimGrid allows one Engine per process and this process already ran "
        "one; use IsolationKind::child_process to simulate more than once");
  std::vector<double> result = job();
  if (result.size() != expected_count)
    throw std::logic_error("flow simulation: the SimGrid job returned a result of the wrong size");
  return result;
}

}  // namespace

std::vector<double> run_simgrid_job(IsolationKind isolation, std::size_t expected_count,
                                    const std::function<std::vector<double>()>& job) {
  return isolation == IsolationKind::child_process ? run_in_child_process(expected_count, job)
                                                   : run_in_this_process(expected_count, job);
}

}  // namespace trainsim
