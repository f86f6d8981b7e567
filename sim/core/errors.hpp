#pragma once
// The error types are part of the installed interface (include/trainsim/errors.hpp): library
// users catch the same exceptions the CLI prints.
#include "trainsim/errors.hpp"
