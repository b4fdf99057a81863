#pragma once
// A minimal streaming JSON writer for the library's own outputs (manifest.json, evaluation and
// report summaries). The library does not depend on a JSON library (nlohmann_json is the CLI's):
// it only ever writes JSON, and only flat, known structures, so a few dozen lines suffice.
// Non-finite numbers are written as null (JSON has no NaN or infinity).

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace keychroma::pipeline {

class json_writer {
public:
    /// `indent` spaces per level; 0 writes everything on one line.
    explicit json_writer(int indent = 2) : indent_(indent) {}

    json_writer& begin_object() { return open('{'); }
    json_writer& end_object() { return close('}'); }
    json_writer& begin_array() { return open('['); }
    json_writer& end_array() { return close(']'); }

    /// Names the next value inside an object.
    json_writer& key(std::string_view k) {
        separate();
        quote(k);
        out_ += indent_ > 0 ? ": " : ":";
        after_key_ = true;
        return *this;
    }

    json_writer& value(std::string_view s) {
        separate();
        quote(s);
        return *this;
    }
    json_writer& value(const char* s) { return value(std::string_view(s)); }
    json_writer& value(const std::string& s) { return value(std::string_view(s)); }
    json_writer& value(bool b) {
        separate();
        out_ += b ? "true" : "false";
        return *this;
    }
    json_writer& value(double v) {
        separate();
        if (!std::isfinite(v)) {
            out_ += "null";
        } else {
            char b[32];
            std::snprintf(b, sizeof b, "%.17g", v);
            out_ += b;
        }
        return *this;
    }
    json_writer& value(float v) { return value(static_cast<double>(v)); }
    template <class I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool>) json_writer& value(I v) {
        separate();
        out_ += std::to_string(v);
        return *this;
    }
    json_writer& null() {
        separate();
        out_ += "null";
        return *this;
    }

    /// key + value in one call.
    template <class V>
    json_writer& field(std::string_view k, const V& v) {
        key(k);
        return value(v);
    }
    /// An array of numbers or strings.
    template <class V>
    json_writer& value(const std::vector<V>& values) {
        begin_array();
        for (const auto& v : values) value(v);
        return end_array();
    }

    [[nodiscard]] const std::string& str() const noexcept { return out_; }

private:
    json_writer& open(char c) {
        separate();
        out_ += c;
        first_.push_back(true);
        return *this;
    }
    json_writer& close(char c) {
        const bool empty = first_.back();
        first_.pop_back();
        if (!empty) newline();
        out_ += c;
        if (first_.empty() && indent_ > 0) out_ += '\n';
        return *this;
    }
    /// Comma and line break before a value or key, except right after a key.
    void separate() {
        if (after_key_) {
            after_key_ = false;
            return;
        }
        if (first_.empty()) return;
        if (!first_.back()) out_ += ',';
        first_.back() = false;
        newline();
    }
    void newline() {
        if (indent_ <= 0) return;
        out_ += '\n';
        out_.append(first_.size() * static_cast<std::size_t>(indent_), ' ');
    }
    void quote(std::string_view s) {
        out_ += '"';
        for (const char ch : s) {
            const auto c = static_cast<unsigned char>(ch);
            switch (c) {
            case '"':
                out_ += "\\\"";
                break;
            case '\\':
                out_ += "\\\\";
                break;
            case '\n':
                out_ += "\\n";
                break;
            case '\r':
                out_ += "\\r";
                break;
            case '\t':
                out_ += "\\t";
                break;
            default:
                if (c < 0x20) {
                    char b[8];
                    std::snprintf(b, sizeof b, "\\u%04x", c);
                    out_ += b;
                } else {
                    out_ += ch; // UTF-8 passes through unchanged
                }
            }
        }
        out_ += '"';
    }

    int indent_;
    std::string out_;
    std::vector<bool> first_;
    bool after_key_ = false;
};

} // namespace keychroma::pipeline
