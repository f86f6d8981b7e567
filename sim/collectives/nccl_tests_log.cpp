#include "sim/collectives/nccl_tests_log.hpp"

#include "sim/collectives/collective_kinds.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/core/errors.hpp"

// Reader for nccl-tests text output (comm-model.md §2.2). The parse is line-oriented:
//  - MPI / launcher prefixes are stripped first ("[0] ", "[1,0]<stdout>:", srun's "0: ");
//  - "#" lines carry the preamble (collective, "#  Rank" lines), the column header and the footer;
//  - a line whose first field is a number is a data row and must parse, otherwise the log is
//    rejected with the line number: a benchmark log that silently loses rows is worse than none;
//  - NCCL INFO / WARN / TRACE lines are skipped, but a row fragment printed in front of one (the
//    row was interrupted by NCCL's own output) is joined with the line that continues it;
//  - other text (launcher warnings, "NCCL version ...") is ignored.
// Rows are split on whitespace, never on fixed columns. When a column-name header was seen, rows
// must have exactly its columns; without one, the layout is inferred from the first row's column
// count, and later rows must have as many (so a truncated row is caught either way).

namespace trainsim {

namespace {

using Tokens = std::vector<std::string_view>;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string_view trim_left(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  return s.substr(i);
}

std::string_view trimmed(std::string_view s) {
  s = trim_left(s);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

Tokens split_ws(std::string_view s) {
  Tokens out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    const std::size_t start = i;
    while (i < s.size() && !is_space(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

// A finite number written in full ("35.15", "18781", "1.2e+04", "-1"); nothing else may follow.
std::optional<double> to_number(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<int> to_int(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  int value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

bool is_na(std::string_view s) {
  return s == "N/A" || s == "n/a";
}

// Half a unit in the last printed digit: 0.005 for "35.15", 0.5 for "18781", 5e5 for "1.2e+07".
double half_ulp(std::string_view s) {
  const std::size_t e = s.find_first_of("eE");
  const std::string_view mantissa = s.substr(0, e);
  const std::size_t dot = mantissa.find('.');
  const int decimals =
      dot == std::string_view::npos ? 0 : static_cast<int>(mantissa.size() - dot - 1);
  int exponent = 0;
  if (e != std::string_view::npos) exponent = to_int(s.substr(e + 1)).value_or(0);
  return 0.5 * std::pow(10.0, exponent - decimals);
}

// "[0] ", "[1,0]<stdout>:", "[1,0]<stderr>:" (Intel MPI, Open MPI --tag-output) and "0: " (srun
// --label), possibly stacked. Returns the line without them.
std::string_view strip_launcher_prefixes(std::string_view line) {
  for (int pass = 0; pass < 4; ++pass) {
    const std::string_view s = trim_left(line);
    if (!s.empty() && s.front() == '[') {
      const std::size_t close = s.find(']');
      if (close == std::string_view::npos) return s;
      const std::string_view inside = s.substr(1, close - 1);
      const std::size_t comma = inside.find(',');
      const bool ranks = comma == std::string_view::npos ? all_digits(inside)
                                                         : all_digits(inside.substr(0, comma)) &&
                                                               all_digits(inside.substr(comma + 1));
      if (!ranks) return s;
      std::string_view rest = s.substr(close + 1);
      for (std::string_view tag : {"<stdout>:", "<stderr>:", "<stdout>", "<stderr>"}) {
        if (rest.starts_with(tag)) {
          rest.remove_prefix(tag.size());
          break;
        }
      }
      line = rest;
      continue;
    }
    // srun --label: "  0: ..." (a data row never has ':' right after its first number).
    std::size_t i = 0;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i > 0 && i < s.size() && s[i] == ':' && (i + 1 == s.size() || is_space(s[i + 1]))) {
      line = s.substr(i + 1);
      continue;
    }
    return s;
  }
  return trim_left(line);
}

bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// The row text glued in front of a "host:pid:tid" token. nccl-tests prints a row with several
// printf calls, none ending in a space, so NCCL output cutting in between sticks to the last
// field: "-1gpu-node-3:22:28" (after root) or "0gpu-node-3:22:28" (after #wrong). Taken: the
// longest number (or N/A) that a letter follows. A host name starting with a digit is not split;
// the row then comes out a column short and is rejected.
std::string_view glued_field(std::string_view token) {
  if (token.starts_with("N/A") && token.size() > 3 && is_letter(token[3]))
    return token.substr(0, 3);
  for (std::size_t n = token.size() - 1; n > 0; --n)
    if (is_letter(token[n]) && to_number(token.substr(0, n))) return token.substr(0, n);
  return {};
}

// Where NCCL's own debug output starts in the line ("host:pid:tid [dev] NCCL INFO ..."), or npos.
// Lines holding it are not nccl-tests output, but a row fragment may precede it: the text before
// the returned position.
std::size_t nccl_debug_start(std::string_view s) {
  std::size_t k = std::string_view::npos;
  for (std::string_view tag : {"NCCL INFO", "NCCL WARN", "NCCL TRACE", "NCCL ABORT"})
    k = std::min(k, s.find(tag));
  if (k == std::string_view::npos) return k;
  // Back over "[dev] " and the "host:pid:tid" token in front of it.
  std::size_t p = k;
  while (p > 0 && is_space(s[p - 1])) --p;
  if (p > 0 && s[p - 1] == ']') {
    const std::size_t open = s.rfind('[', p - 1);
    if (open != std::string_view::npos) {
      p = open;
      while (p > 0 && is_space(s[p - 1])) --p;
      const std::size_t end = p;
      while (p > 0 && !is_space(s[p - 1])) --p;  // the host:pid:tid token
      if (p < end) p += glued_field(s.substr(p, end - p)).size();
    }
  }
  return p;
}

// "all_reduce_perf" → "all_reduce"; also "./build/alltoall_perf_mpi" → "all_to_all". Programs
// trainsim does not model keep their nccl-tests name ("gather", "alltoallv" → "all_to_all_v").
std::string collective_from_program(std::string_view program) {
  const std::size_t slash = program.find_last_of('/');
  if (slash != std::string_view::npos) program.remove_prefix(slash + 1);
  const std::size_t perf = program.find("_perf");
  if (perf != std::string_view::npos) program = program.substr(0, perf);
  for (const CollectiveTraits& t : kCollectiveTraits)
    if (program == t.nccl_tests_name) return std::string(t.name);
  if (program == "alltoallv") return "all_to_all_v";
  return std::string(program);
}

// The column layout of a data row: descriptor columns, then `groups` groups of `group_width`
// columns, each starting with time, algbw, busbw (then #wrong / error, per-iteration columns).
struct Layout {
  bool redop = true;
  bool root = true;
  int group_width = 4;
  int groups = 2;
  int header_line = 0;  // the line of the column-name header it was read from, or
  int row_line = 0;     // the line of the first header-less row it was inferred from

  std::size_t columns() const {
    return 3 + (redop ? 1 : 0) + (root ? 1 : 0) + static_cast<std::size_t>(group_width * groups);
  }
  std::string describe() const {
    std::string s = "size count type";
    if (redop) s += " redop";
    if (root) s += " root";
    s += groups == 2 ? " + out-of-place and in-place [" : " + out-of-place [";
    s += group_width == 3 ? "time algbw busbw" : "time algbw busbw #wrong";
    if (group_width > 4) s += " +" + std::to_string(group_width - 4) + " per-iteration";
    return s + "]";
  }
};

// The column-name header ("#  size count type redop root time algbw busbw #wrong time ..."),
// given the tokens after '#'. nullopt when the line is not one, or names columns we do not know
// (then rows fall back to inference).
std::optional<Layout> layout_from_header(const Tokens& names, int line_no) {
  if (names.size() < 6 || (names[0] != "size" && names[0] != "bytes")) return std::nullopt;
  const auto is_time = [](std::string_view n) { return n == "time" || n == "cputime"; };
  const auto first_time = std::find_if(names.begin(), names.end(), is_time);
  if (first_time == names.end()) return std::nullopt;
  Layout layout;
  layout.header_line = line_no;
  layout.redop = layout.root = false;
  const std::size_t n_desc = static_cast<std::size_t>(first_time - names.begin());
  if (n_desc < 3 || (names[1] != "count" && names[1] != "N" && names[1] != "elements") ||
      names[2] != "type")
    return std::nullopt;
  for (std::size_t i = 3; i < n_desc; ++i) {
    if ((names[i] == "redop" || names[i] == "op") && !layout.redop && !layout.root)
      layout.redop = true;
    else if (names[i] == "root" && !layout.root)
      layout.root = true;
    else
      return std::nullopt;
  }
  std::vector<std::size_t> starts;
  std::size_t end = names.size();
  for (std::size_t i = n_desc; i < names.size(); ++i) {
    if (names[i] == "timestamp") {
      end = i;
      break;
    }
    if (is_time(names[i])) starts.push_back(i);
  }
  if (starts.size() > 2) return std::nullopt;
  const std::size_t width = starts.size() == 2 ? starts[1] - starts[0] : end - starts[0];
  if (width < 3 || (starts.size() == 2 && end - starts[1] != width)) return std::nullopt;
  for (std::size_t s : starts)
    if (names[s + 1] != "algbw" || names[s + 2] != "busbw") return std::nullopt;
  layout.group_width = static_cast<int>(width);
  layout.groups = static_cast<int>(starts.size());
  return layout;
}

// Layouts a header-less row with this many columns can have, most likely first. The descriptor
// columns size, count, type come first; redop is present when the fourth column is not a number.
std::vector<Layout> inferred_layouts(const Tokens& t) {
  const bool redop = t.size() > 3 && !to_number(t[3]) && !is_na(t[3]);
  const std::size_t rest = t.size() - 3 - (redop ? 1 : 0);
  const auto make = [&](bool root, int width, int groups) {
    Layout l;
    l.redop = redop;
    l.root = root;
    l.group_width = width;
    l.groups = groups;
    return l;
  };
  switch (rest) {
    case 9:
      return {make(true, 4, 2)};  // current 13-column format
    case 8:
      return {make(false, 4, 2)};  // 12 columns: no root (old "error" format)
    case 7:
      return {make(true, 3, 2)};
    case 6:
      return {make(false, 3, 2)};
    case 5:
      return {make(true, 4, 1)};  // out-of-place only
    case 4:
      return {make(false, 4, 1), make(true, 3, 1)};
    case 3:
      return {make(false, 3, 1)};
    default:
      return {};
  }
}

struct RowResult {
  std::optional<NcclTestsRow> row;  // empty with an empty error: a row to skip (size 0)
  std::string error;
  Layout layout;  // the layout it was read with
};

std::string in_quotes(std::string_view s) {
  return "'" + std::string(s) + "'";
}

// The row as one line with single spaces, for error messages.
std::string squeezed(std::string_view line) {
  std::string out;
  for (std::string_view token : split_ws(line)) {
    if (!out.empty()) out += ' ';
    out += token;
  }
  return out;
}

std::string fmt(double v) {
  std::ostringstream os;
  os.precision(v == std::floor(v) && std::abs(v) < 1e15 ? 16 : 4);
  os << v;
  return os.str();
}

RowResult parse_row_with(const Tokens& t, const Layout& layout) {
  RowResult r;
  r.layout = layout;
  const auto fail = [&](std::string message) {
    r.row.reset();
    r.error = std::move(message);
    return r;
  };
  if (t.size() != layout.columns()) {
    std::string why =
        "expected " + std::to_string(layout.columns()) + " columns (" + layout.describe() + ")";
    if (layout.header_line > 0)
      why += " as in the header on line " + std::to_string(layout.header_line);
    if (layout.row_line > 0)
      why += " as in the first row, on line " + std::to_string(layout.row_line);
    return fail(why + ", found " + std::to_string(t.size()) +
                (t.size() < layout.columns() ? " (truncated row?)" : ""));
  }
  NcclTestsRow row;
  const auto size = to_number(t[0]);
  if (!size) return fail("column 1 (size) is not a number: " + in_quotes(t[0]));
  if (*size < 0) return fail("column 1 (size) must be >= 0, found " + in_quotes(t[0]));
  const auto count = to_number(t[1]);
  if (!count) return fail("column 2 (count) is not a number: " + in_quotes(t[1]));
  if (*count < 0) return fail("column 2 (count) must be >= 0, found " + in_quotes(t[1]));
  if (to_number(t[2]) || is_na(t[2]))
    return fail("column 3 (type) should name a data type (float, half, ...), found " +
                in_quotes(t[2]));
  row.size_bytes = *size;
  row.count = *count;
  row.type = std::string(t[2]);
  std::size_t col = 3;
  if (layout.redop) {
    if (to_number(t[col]) || is_na(t[col]))
      return fail("column 4 (redop) should name a reduction (sum, none, ...), found " +
                  in_quotes(t[col]));
    row.redop = std::string(t[col++]);
  }
  if (layout.root) {
    const auto root = to_int(t[col]);
    if (!root || *root < -1)
      return fail("column " + std::to_string(col + 1) + " (root) should be a rank or -1, found " +
                  in_quotes(t[col]));
    row.root = *root;
    ++col;
  }
  for (int g = 0; g < layout.groups; ++g) {
    const bool in_place = g == 1;
    const std::string group = in_place ? "in-place" : "out-of-place";
    std::optional<double> value[3];
    static constexpr const char* kNames[3] = {"time", "algbw", "busbw"};
    for (int k = 0; k < layout.group_width; ++k, ++col) {
      const std::string_view tok = t[col];
      const std::string what = "column " + std::to_string(col + 1) + " (" + group + " " +
                               (k < 3 ? kNames[k] : "extra") + ")";
      if (is_na(tok)) {
        if (k < 3 && !in_place) return fail(what + " is N/A");
        continue;
      }
      std::string_view num = tok;
      if (k >= 3 && num.ends_with('*')) num.remove_suffix(1);  // rccl marks wrong counts with '*'
      const auto v = to_number(num);
      if (!v) return fail(what + " is not a number: " + in_quotes(tok));
      if (k == 0 && *v <= 0) return fail(what + " must be > 0 us, found " + in_quotes(tok));
      if (k < 3 && *v < 0) return fail(what + " must be >= 0, found " + in_quotes(tok));
      if (k < 3) value[k] = v;
    }
    // Every nccl-tests test defines algbw = size / time (comm-model.md §2.1). The tolerance
    // covers the printed rounding: max(0.02 GB/s, 2 %), widened when a value is printed coarsely
    // (no decimals, or %.1e).
    if (value[0] && value[1]) {
      const std::size_t time_col = col - static_cast<std::size_t>(layout.group_width);
      const double expected = row.size_bytes / (*value[0] * 1e3);
      const double rounding =
          half_ulp(t[time_col + 1]) + expected * half_ulp(t[time_col]) / *value[0];
      const double tolerance = std::max({0.02, 0.02 * expected, 1.5 * rounding});
      if (std::abs(*value[1] - expected) > tolerance)
        return fail(group + " algbw " + fmt(*value[1]) +
                    " GB/s disagrees with size/time = " + fmt(row.size_bytes) + " B / " +
                    fmt(*value[0]) + " us = " + fmt(expected) + " GB/s (the log may be corrupted)");
    }
    if (in_place) {
      row.in_place_time_us = value[0];
      row.in_place_algbw_GBps = value[1];
      row.in_place_busbw_GBps = value[2];
    } else {
      row.time_us = *value[0];
      row.algbw_GBps = *value[1];
      row.busbw_GBps = *value[2];
    }
  }
  if (row.size_bytes > 0) r.row = std::move(row);  // size-0 rows (minBytes 0) carry no bandwidth
  return r;
}

bool is_date(std::string_view s) {
  return s.size() == 10 && s[4] == '-' && s[7] == '-' && all_digits(s.substr(0, 4)) &&
         all_digits(s.substr(5, 2)) && all_digits(s.substr(8, 2));
}
bool is_clock(std::string_view s) {
  return s.size() == 8 && s[2] == ':' && s[5] == ':' && all_digits(s.substr(0, 2)) &&
         all_digits(s.substr(3, 2)) && all_digits(s.substr(6, 2));
}

// `layout`: the header's, or the one the first header-less row was read with; all rows of a
// table have the same columns. Without one, the layout is inferred from the column count.
RowResult parse_row(std::string_view text, const std::optional<Layout>& layout) {
  Tokens t = split_ws(text);
  // "-S 1" appends a "YYYY-MM-DD HH:MM:SS" timestamp.
  if (t.size() >= 2 && is_date(t[t.size() - 2]) && is_clock(t.back())) t.resize(t.size() - 2);
  if (layout) return parse_row_with(t, *layout);
  const std::vector<Layout> layouts = inferred_layouts(t);
  if (layouts.empty()) {
    RowResult r;
    r.error =
        "expected 12 or 13 columns (size count type redop root, then time algbw busbw "
        "#wrong out-of-place and in-place), or the out-of-place half alone; found " +
        std::to_string(t.size()) + (t.size() < 12 ? " (truncated row?)" : "");
    return r;
  }
  RowResult first = parse_row_with(t, layouts.front());
  for (std::size_t i = 1; i < layouts.size() && !first.error.empty(); ++i) {
    RowResult other = parse_row_with(t, layouts[i]);
    if (other.error.empty()) return other;
  }
  if (!first.error.empty())
    first.error +=
        " (read as " + std::to_string(t.size()) + " columns: " + layouts.front().describe() + ")";
  return first;
}

// A data row starts with its size; the continuation of an interrupted row with a time. Either way
// the first field is a number (a negative size is still a row, to be rejected).
bool looks_like_row(std::string_view s) {
  const Tokens t = split_ws(s);
  return !t.empty() && to_number(t.front()).has_value();
}

}  // namespace

NcclTestsLog parse_nccl_tests_log(std::string_view text, std::string_view origin) {
  NcclTestsLog log;
  const std::string where(origin);
  const auto at = [&](int line) { return where + ":" + std::to_string(line); };
  const auto malformed = [&](int line, const std::string& what) {
    return InputError(at(line), "malformed nccl-tests row: " + what);
  };

  std::optional<Layout> layout;  // from the column-name header, or else from the first row
  int ranks_in_block = 0;
  const auto add = [&](RowResult r, int row_line) {
    if (!layout) {  // the first header-less row fixes the columns of the rest
      layout = r.layout;
      layout->row_line = row_line;
    }
    if (r.row) log.rows.push_back(std::move(*r.row));
  };
  // A row printed up to where NCCL debug output cut in ("<row start>host:pid:tid [0] NCCL INFO").
  // The next number-led line continues it; when none does, the fragment must be a whole row.
  std::string pending;
  int pending_line = 0;
  const auto settle_pending = [&] {
    if (pending.empty()) return;
    RowResult r = parse_row(pending, layout);
    if (!r.error.empty())
      throw malformed(pending_line,
                      r.error + " (row interrupted by NCCL output and not continued)");
    add(std::move(r), pending_line);
    pending.clear();
  };

  int line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view raw = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (raw.empty() && pos > text.size()) break;  // after the final newline

    std::string_view line = trimmed(strip_launcher_prefixes(raw));
    if (line.empty()) continue;

    if (const std::size_t debug = nccl_debug_start(line); debug != std::string_view::npos) {
      const std::string_view fragment = trimmed(line.substr(0, debug));
      if (!fragment.empty() && !pending.empty() && !parse_row(pending, layout).error.empty()) {
        pending += " " + std::string(fragment);  // the same row, interrupted again
      } else if (looks_like_row(fragment) && split_ws(fragment).size() >= 3) {
        settle_pending();
        pending = std::string(fragment);
        pending_line = line_no;
      }
      continue;
    }

    if (line.front() == '#') {
      settle_pending();
      const std::string_view body = trimmed(line.substr(1));
      const Tokens names = split_ws(body);
      if (body.starts_with("Collective test starting:")) {
        const Tokens words =
            split_ws(body.substr(std::string_view("Collective test starting:").size()));
        if (!words.empty()) {
          const std::string collective = collective_from_program(words.front());
          if (!log.collective.empty() && collective != log.collective && !log.rows.empty())
            throw InputError(at(line_no), "the log mixes nccl-tests collectives (" +
                                              log.collective + " then " + collective +
                                              "); split it into one log per test");
          log.collective = collective;
        }
        if (layout && layout->row_line > 0) layout.reset();  // a new run: infer again
      } else if (body.starts_with("Using devices")) {
        ranks_in_block = 0;
      } else if (names.size() >= 2 && names[0] == "Rank" && all_digits(names[1])) {
        log.ranks = std::max(log.ranks, ++ranks_in_block);
      } else if (body.starts_with("Avg bus bandwidth")) {
        const std::size_t colon = body.find(':');
        const Tokens value =
            split_ws(colon == std::string_view::npos ? "" : body.substr(colon + 1));
        log.average_busbw_GBps = value.empty() ? std::nullopt : to_number(value.front());
      } else if (auto from_header = layout_from_header(names, line_no)) {
        layout = from_header;
      }
      continue;
    }

    if (!looks_like_row(line)) continue;  // launcher chatter, "NCCL version ...", ...

    if (!pending.empty()) {
      RowResult joined = parse_row(pending + " " + std::string(line), layout);
      if (joined.error.empty()) {
        add(std::move(joined), pending_line);
        pending.clear();
        continue;
      }
      // Not a continuation: the fragment was a whole row (the debug output cut in just before
      // its newline), or a truncated one (settle_pending throws).
      if (!parse_row(pending, layout).error.empty())
        throw malformed(pending_line, joined.error +
                                          " (row interrupted by NCCL output, joined with line " +
                                          std::to_string(line_no) + ")");
      settle_pending();
    }
    RowResult r = parse_row(line, layout);
    if (!r.error.empty()) throw malformed(line_no, r.error + " in " + in_quotes(squeezed(line)));
    add(std::move(r), line_no);
  }
  settle_pending();

  if (log.rows.empty())
    throw InputError(where, "no nccl-tests data rows found (is this an nccl-tests log?)");
  return log;
}

NcclTestsLog load_nccl_tests_log(const std::string& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    throw InputError(file, "cannot open nccl-tests log: it is a directory");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(file, "cannot open nccl-tests log for reading");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw InputError(file, "cannot read nccl-tests log");
  return parse_nccl_tests_log(buffer.str(), file);
}

}  // namespace trainsim
