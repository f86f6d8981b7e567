#pragma once
// SimGrid allows one Engine per process (docs/build-notes.md). A SimGrid job — a function that
// creates the Engine, simulates and returns its results as doubles — therefore runs in a forked
// child by default: the child runs the job and writes the doubles to a pipe, the parent reads them
// and reaps the child, so a program can simulate any number of times, from tests and from any
// thread (the child runs only SimGrid and this library; glibc keeps malloc usable after fork).
// IsolationKind::in_process runs the job in the calling process instead, once per process; after
// it every further job of either kind throws std::logic_error (a forked child would inherit the
// used Engine's global state).
#include <cstddef>
#include <functional>
#include <vector>

#include "sim/network/flow_engine.hpp"

namespace trainsim {

// Runs `job` and returns its doubles, which must number `expected_count`. Throws
// std::runtime_error with the job's message when it throws (in the child too) or the child dies,
// std::logic_error after an in-process job.
std::vector<double> run_simgrid_job(IsolationKind isolation, std::size_t expected_count,
                                    const std::function<std::vector<double>()>& job);

}  // namespace trainsim
