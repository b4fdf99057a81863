#pragma once
// Progress of a long step (decoding, training epochs, colorizing) on stderr. On a terminal it is
// one self-overwriting line with a bar, the rate and the ETA; redirected to a file or a CI log it
// becomes a plain line every few seconds (a log full of carriage returns is unreadable); quiet
// prints nothing. The clock is a template parameter so tests can drive time.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include <unistd.h>

namespace keychroma::report {

/// How progress is shown.
enum class progress_style {
    automatic, ///< bar when the stream is a terminal, plain lines otherwise
    bar,       ///< self-overwriting line with a bar
    lines,     ///< one plain line every `line_interval_s` seconds and at the end
    quiet,     ///< nothing
};

struct progress_options {
    progress_style style = progress_style::automatic;
    std::FILE* stream = stderr;
    double line_interval_s = 5.0; ///< plain lines: seconds between lines
    double bar_interval_s = 0.1;  ///< bar: seconds between redraws
    int bar_width = 28;
};

/// "1:02:03", "4:05" or "12s" (seconds rounded up, so an ETA never reads 0 before the end).
[[nodiscard]] inline std::string format_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "?";
    const auto s = static_cast<long long>(std::ceil(seconds));
    char b[32];
    if (s >= 3600)
        std::snprintf(b, sizeof b, "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
    else if (s >= 60)
        std::snprintf(b, sizeof b, "%lld:%02lld", s / 60, s % 60);
    else
        std::snprintf(b, sizeof b, "%llds", s);
    return b;
}

template <class Clock = std::chrono::steady_clock>
class basic_progress {
public:
    /// `total` empty: unknown length (no bar, no ETA). `unit`: "frames", "epochs", ...
    basic_progress(std::string label, std::optional<std::uint64_t> total, std::string unit,
                   progress_options options = {})
        : label_(std::move(label)), unit_(std::move(unit)), total_(total), options_(options),
          start_(Clock::now()), last_(start_) {
        if (options_.style == progress_style::automatic)
            options_.style = options_.stream && ::isatty(::fileno(options_.stream))
                                 ? progress_style::bar
                                 : progress_style::lines;
        if (!options_.stream) options_.style = progress_style::quiet;
    }
    basic_progress(const basic_progress&) = delete;
    basic_progress& operator=(const basic_progress&) = delete;
    ~basic_progress() {
        // A step that ended by an exception leaves the bar line open: end it cleanly.
        if (!finished_ && drawn_ && options_.style == progress_style::bar)
            std::fputc('\n', options_.stream);
    }

    [[nodiscard]] progress_style style() const noexcept { return options_.style; }
    [[nodiscard]] std::uint64_t done() const noexcept { return done_; }

    /// Extra text after the rate, e.g. "loss 0.0123".
    void note(std::string text) { note_ = std::move(text); }

    void advance(std::uint64_t n = 1) { update(done_ + n); }

    void update(std::uint64_t done) {
        done_ = done;
        if (options_.style == progress_style::quiet) return;
        const auto now = Clock::now();
        const double since = seconds(last_, now);
        const double interval = options_.style == progress_style::bar ? options_.bar_interval_s
                                                                      : options_.line_interval_s;
        if (drawn_ && since < interval) return;
        last_ = now;
        draw(now, false);
    }

    /// Prints the final state (always, unless quiet) and ends the line.
    void finish() {
        if (finished_) return;
        finished_ = true;
        if (options_.style == progress_style::quiet) return;
        draw(Clock::now(), true);
    }

    /// Items per second so far.
    [[nodiscard]] double rate() const { return rate_at(Clock::now()); }

    /// The text of the status line at this moment (without bar control characters).
    [[nodiscard]] std::string status_line() const { return line(Clock::now(), false); }

private:
    static double seconds(typename Clock::time_point a, typename Clock::time_point b) {
        return std::chrono::duration<double>(b - a).count();
    }
    double rate_at(typename Clock::time_point now) const {
        const double t = seconds(start_, now);
        return t > 0 ? static_cast<double>(done_) / t : 0.0;
    }

    std::string line(typename Clock::time_point now, bool with_bar) const {
        const double elapsed = seconds(start_, now);
        const double r = rate_at(now);
        std::string s = label_ + ": ";
        char b[160];
        if (total_ && *total_ > 0) {
            const double frac = std::min(1.0, static_cast<double>(done_) / double(*total_));
            if (with_bar) {
                const int full = static_cast<int>(frac * options_.bar_width);
                s += '[';
                s.append(static_cast<std::size_t>(full), '#');
                s.append(static_cast<std::size_t>(options_.bar_width - full), '.');
                s += "] ";
            }
            std::snprintf(b, sizeof b, "%llu/%llu %s (%.0f%%)", (unsigned long long)done_,
                          (unsigned long long)*total_, unit_.c_str(), 100.0 * frac);
        } else {
            std::snprintf(b, sizeof b, "%llu %s", (unsigned long long)done_, unit_.c_str());
        }
        s += b;
        std::snprintf(b, sizeof b, ", %.3g %s/s", r, unit_.c_str());
        s += b;
        if (finished_)
            s += ", took " + format_duration(elapsed);
        else if (total_ && r > 0 && done_ < *total_)
            s += ", ETA " + format_duration(static_cast<double>(*total_ - done_) / r);
        if (!note_.empty()) s += ", " + note_;
        return s;
    }

    void draw(typename Clock::time_point now, bool final) {
        drawn_ = true;
        if (options_.style == progress_style::bar) {
            // \r + erase to end of line: the new text may be shorter than the old.
            std::fprintf(options_.stream, "\r%s\x1b[K%s", line(now, true).c_str(),
                         final ? "\n" : "");
        } else {
            std::fprintf(options_.stream, "%s\n", line(now, false).c_str());
        }
        std::fflush(options_.stream);
    }

    std::string label_, unit_, note_;
    std::optional<std::uint64_t> total_;
    progress_options options_;
    typename Clock::time_point start_, last_;
    std::uint64_t done_ = 0;
    bool drawn_ = false, finished_ = false;
};

using progress = basic_progress<>;

} // namespace keychroma::report
