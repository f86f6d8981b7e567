#include "sim/reports/error_groups.hpp"

#include <fmt/format.h>

namespace trainsim {

OrderedJson error_groups_to_json(const std::map<std::string, ErrorStats>& groups) {
  OrderedJson out = OrderedJson::object();
  for (const auto& [name, errors] : groups)
    out[name] = {{"records", errors.count()},
                 {"mape", errors.mape()},
                 {"max_abs_error", errors.worst_abs()}};
  return out;
}

std::string error_group_line(std::string_view name, const ErrorStats& errors) {
  return fmt::format("  {:<44} {:>3} records  MAPE {:5.1f}%  worst {:5.1f}%\n", name,
                     errors.count(), 100.0 * errors.mape(), 100.0 * errors.worst_abs());
}

}  // namespace trainsim
