#pragma once
// Model files (design.md §4, docs/nn.md "Model file format"). Little-endian:
//
//   offset 0   magic        8 bytes  89 'K' 'C' 'N' 'N' 0D 0A 1A
//          8   version      u32      model_format_version (2; 1 is still read)
//         12   kind         u32      0 = model, 1 = checkpoint (model + optimizer + trainer state)
//         16   total size   u64      bytes in the file, checksum included (detects truncation)
//         24   dtype        u32      0 = float32, 1 = float16
//         28   sig length   u32      then the stack's architecture signature (ASCII)
//              [v2] settings u32 byte count, then "key=value\n" lines (UTF-8, keys sorted): what
//                           colorization needs to use the model as it was trained (recipe,
//                           working size, fit...); the nn layer stores them, pipeline reads them
//              tensors      u32 count, then per tensor u32 rank + u64 dims[rank]
//              payload      u64 byte count, then every parameter in order (HWIO kernels)
//              [checkpoint] u32 + optimizer name, u64 step count, u64 n + n float32 slots,
//                           u64 + opaque trainer-state bytes
//              checksum     u64 FNV-1a 64 of every byte before it
//
// save() writes through atomic_output (a failure never leaves a partial file); load() rejects,
// with a keychroma::model_error that says which, a file that is not a model, a newer format
// version, a truncated file, a corrupted one (checksum), and a model of another architecture.

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keychroma/core/atomic_file.hpp"
#include "keychroma/core/error.hpp"
#include "keychroma/nn/float16.hpp"
#include "keychroma/nn/network.hpp"

namespace keychroma::nn {

static_assert(std::endian::native == std::endian::little,
              "keychroma model files are little-endian; add byte swapping for this host");

enum class weight_format : std::uint32_t { float32 = 0, float16 = 1 };

inline constexpr std::uint32_t model_format_version = 2;
inline constexpr unsigned char model_magic[8] = {0x89, 'K', 'C', 'N', 'N', 0x0D, 0x0A, 0x1A};
/// Files larger than this are refused before reading (the paper's model is 15.6 MB).
inline constexpr std::uint64_t max_model_file_bytes = std::uint64_t(4) << 30;
/// The settings section's largest size (a few short lines in practice).
inline constexpr std::uint32_t max_model_settings_bytes = 16 << 10;

/// Settings stored with a model (format v2): key -> value, both one line without '=' in the
/// key. Version 1 files have none.
struct model_settings {
    std::map<std::string, std::string> values;

    [[nodiscard]] bool empty() const noexcept { return values.empty(); }
    /// The value of `key`, or nullptr.
    [[nodiscard]] const std::string* find(const std::string& key) const {
        const auto it = values.find(key);
        return it == values.end() ? nullptr : &it->second;
    }
};

/// FNV-1a, 64 bit.
[[nodiscard]] inline std::uint64_t fnv1a64(std::span<const unsigned char> bytes) noexcept {
    std::uint64_t h = 0xCBF29CE484222325ull;
    for (unsigned char b : bytes) {
        h ^= b;
        h *= 0x100000001B3ull;
    }
    return h;
}

namespace detail {

class byte_writer {
public:
    template <class V>
    void put(V v) {
        const auto* p = reinterpret_cast<const unsigned char*>(&v);
        bytes.insert(bytes.end(), p, p + sizeof(V));
    }
    void put_bytes(const void* p, std::size_t n) {
        const auto* b = static_cast<const unsigned char*>(p);
        bytes.insert(bytes.end(), b, b + n);
    }
    std::vector<unsigned char> bytes;
};

/// Bounds-checked reader: running past the end means the file was cut short.
class byte_reader {
public:
    byte_reader(std::span<const unsigned char> b, std::string file)
        : b_(b), file_(std::move(file)) {}
    template <class V>
    V get() {
        need(sizeof(V));
        V v;
        std::memcpy(&v, b_.data() + pos_, sizeof(V));
        pos_ += sizeof(V);
        return v;
    }
    std::span<const unsigned char> take(std::uint64_t n) {
        need(n);
        auto s = b_.subspan(pos_, std::size_t(n));
        pos_ += std::size_t(n);
        return s;
    }
    void need(std::uint64_t n) const {
        if (n > b_.size() - pos_)
            throw model_error(file_ + ": truncated model file (a section runs past the end)");
    }
    [[nodiscard]] std::size_t position() const noexcept { return pos_; }

private:
    std::span<const unsigned char> b_;
    std::string file_;
    std::size_t pos_ = 0;
};

/// Optional checkpoint part of a file.
struct checkpoint_section {
    std::string optimizer;
    std::uint64_t steps = 0;
    std::vector<float> state;
    std::vector<unsigned char> trainer_state;
};

/// The settings as stored: "key=value\n" lines in key order; config_error for a key or value
/// that would not read back as written.
[[nodiscard]] inline std::string encode_settings(const model_settings& settings) {
    std::string text;
    for (const auto& [key, value] : settings.values) {
        if (key.empty() || key.find_first_of("=\n") != std::string::npos ||
            value.find('\n') != std::string::npos)
            throw config_error("model settings: '" + key + "' is not a one-line key=value pair");
        text += key + "=" + value + "\n";
    }
    if (text.size() > max_model_settings_bytes)
        throw config_error("model settings: more than " + std::to_string(max_model_settings_bytes) +
                           " bytes");
    return text;
}

[[nodiscard]] inline model_settings decode_settings(std::string_view text,
                                                    const std::string& name) {
    model_settings s;
    while (!text.empty()) {
        const auto end = text.find('\n');
        const auto eq = text.find('=');
        if (end == std::string_view::npos || eq == std::string_view::npos || eq == 0 || eq > end)
            throw model_error(name + ": corrupted model file (settings)");
        s.values.emplace(std::string(text.substr(0, eq)),
                         std::string(text.substr(eq + 1, end - eq - 1)));
        text.remove_prefix(end + 1);
    }
    return s;
}

template <class Net>
void write_model_file(const std::filesystem::path& path, Net& net, weight_format fmt,
                      const checkpoint_section* ckpt, const model_settings& settings = {}) {
    const std::string settings_text = encode_settings(settings);
    const std::size_t elem = fmt == weight_format::float16 ? 2 : 4;
    byte_writer w;
    // the whole file at once: a checkpoint of the paper's network is 62 MB, which growing by
    // doubling would copy and fault in twice
    w.bytes.reserve((1 << 16) + settings_text.size() + Net::parameter_count * elem +
                    (ckpt ? ckpt->optimizer.size() + ckpt->state.size() * sizeof(float) +
                                ckpt->trainer_state.size()
                          : 0));
    w.put_bytes(model_magic, 8);
    w.put<std::uint32_t>(model_format_version);
    w.put<std::uint32_t>(ckpt ? 1u : 0u);
    w.put<std::uint64_t>(0); // total size, patched below
    w.put<std::uint32_t>(std::uint32_t(fmt));
    const auto sig = Net::signature();
    w.put<std::uint32_t>(std::uint32_t(sig.size()));
    w.put_bytes(sig.data(), sig.size());
    w.put<std::uint32_t>(std::uint32_t(settings_text.size()));
    w.put_bytes(settings_text.data(), settings_text.size());
    w.put<std::uint32_t>(std::uint32_t(Net::specs.size()));
    for (const auto& s : Net::specs) {
        w.put<std::uint32_t>(std::uint32_t(s.rank));
        for (std::size_t i = 0; i < s.rank; ++i) w.put<std::uint64_t>(s.shape[i]);
    }
    const auto params = net.parameters();
    w.put<std::uint64_t>(params.size() * elem);
    for (auto v : params) {
        if (fmt == weight_format::float16)
            w.put<std::uint16_t>(float_to_half(float(v)));
        else
            w.put<float>(float(v));
    }
    if (ckpt) {
        w.put<std::uint32_t>(std::uint32_t(ckpt->optimizer.size()));
        w.put_bytes(ckpt->optimizer.data(), ckpt->optimizer.size());
        w.put<std::uint64_t>(ckpt->steps);
        w.put<std::uint64_t>(ckpt->state.size());
        w.put_bytes(ckpt->state.data(), ckpt->state.size() * sizeof(float));
        w.put<std::uint64_t>(ckpt->trainer_state.size());
        w.put_bytes(ckpt->trainer_state.data(), ckpt->trainer_state.size());
    }
    const std::uint64_t total = w.bytes.size() + 8;
    std::memcpy(w.bytes.data() + 16, &total, 8);
    w.put<std::uint64_t>(fnv1a64(w.bytes));

    atomic_output out(path);
    {
        std::ofstream f(out.temp_path(), std::ios::binary | std::ios::trunc);
        if (!f) throw io_error(path.string() + ": cannot create model file");
        f.write(reinterpret_cast<const char*>(w.bytes.data()), std::streamsize(w.bytes.size()));
        f.close();
        if (!f) throw io_error(path.string() + ": cannot write model file (disk full?)");
    }
    out.commit();
}

/// The largest file `Net` can have: a model is its architecture's fixed header and float32
/// weights (float16 files are smaller); a checkpoint adds up to 8 optimizer slots per parameter,
/// the trainer's two copies of the weights (the best check's and the average, nn/trainer.hpp)
/// and up to 1 MiB for the optimizer's name and the rest of the trainer's state. A file larger
/// than that is rejected before anything is allocated for it.
template <class Net>
[[nodiscard]] std::uint64_t largest_file_bytes(bool checkpoint) {
    std::uint64_t n =
        8 + 4 + 4 + 8 + 4 + 4 + Net::signature().size() + 4 + 4 + max_model_settings_bytes;
    for (const auto& s : Net::specs) n += 4 + 8 * std::uint64_t(s.rank);
    n += 8 + 4 * std::uint64_t(Net::parameter_count) + 8;
    if (checkpoint)
        n += 4 + 8 + 8 + 8 * 4 * std::uint64_t(Net::parameter_count) + 8 + (1 << 20) +
             2 * sizeof(typename Net::value_type) * std::uint64_t(Net::parameter_count);
    return n;
}

/// What a model file holds besides the parameters.
struct model_file_sections {
    model_settings settings;       ///< empty in version 1 files
    checkpoint_section checkpoint; ///< empty in models
};

/// Reads and validates a model file for `Net`; fills the parameters and returns the settings,
/// and the checkpoint section when there is one.
template <class Net>
model_file_sections read_model_file(const std::filesystem::path& path, Net& net,
                                    bool need_checkpoint) {
    const std::string name = path.string();
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) throw io_error(name + ": cannot open model file: " + ec.message());
    std::ifstream f(path, std::ios::binary);
    if (!f) throw io_error(name + ": cannot open model file");
    // The first 16 bytes say whether this is a model or a checkpoint, which bounds its size.
    std::vector<unsigned char> bytes(std::min<std::uint64_t>(size, 16));
    f.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(bytes.size()));
    if (!f) throw io_error(name + ": cannot read model file");
    if (size < 8 || std::memcmp(bytes.data(), model_magic, 8) != 0)
        throw model_error(name + ": not a keychroma model file (bad magic)");
    std::uint32_t prefix_kind = 0;
    if (size >= 16) std::memcpy(&prefix_kind, bytes.data() + 12, 4);
    const auto largest = largest_file_bytes<Net>(prefix_kind == 1);
    if (size > largest || size > max_model_file_bytes)
        throw model_error(name + ": " + std::to_string(size) + " bytes is more than any " +
                          (prefix_kind == 1 ? "checkpoint" : "model") + " of this network (" +
                          std::to_string(largest) +
                          "): unexpected trailing bytes, or a model of another architecture");
    if (size > 16) {
        bytes.resize(size);
        f.read(reinterpret_cast<char*>(bytes.data() + 16), std::streamsize(size - 16));
        if (!f) throw io_error(name + ": cannot read model file");
    }
    if (size < 8 || std::memcmp(bytes.data(), model_magic, 8) != 0)
        throw model_error(name + ": not a keychroma model file (bad magic)");
    byte_reader r(bytes, name);
    r.take(8);
    const auto version = r.get<std::uint32_t>();
    if (version > model_format_version)
        throw model_error(name + ": model file format version " + std::to_string(version) +
                          " is newer than this build reads (" +
                          std::to_string(model_format_version) + "); upgrade keychroma");
    const auto kind = r.get<std::uint32_t>();
    const auto total = r.get<std::uint64_t>();
    if (total > size)
        throw model_error(name + ": truncated model file (" + std::to_string(size) +
                          " bytes, header announces " + std::to_string(total) + ")");
    if (total < size)
        throw model_error(name + ": corrupted model file (" + std::to_string(size - total) +
                          " unexpected trailing bytes)");
    std::uint64_t stored_sum;
    std::memcpy(&stored_sum, bytes.data() + size - 8, 8);
    if (version == 0 || fnv1a64(std::span(bytes).first(size - 8)) != stored_sum)
        throw model_error(name + ": corrupted model file (checksum mismatch)");

    const auto dtype = r.get<std::uint32_t>();
    if (dtype > 1) throw model_error(name + ": corrupted model file (unknown weight type)");
    const auto sig_len = r.get<std::uint32_t>();
    const auto sig_bytes = r.take(sig_len);
    const std::string_view sig(reinterpret_cast<const char*>(sig_bytes.data()), sig_bytes.size());
    if (sig != Net::signature())
        throw model_error(name + ": model is for another architecture (" + std::string(sig) +
                          "), not this network's (" + std::string(Net::signature()) + ")");
    model_file_sections sections;
    if (version >= 2) {
        const auto settings_len = r.get<std::uint32_t>();
        if (settings_len > max_model_settings_bytes)
            throw model_error(name + ": corrupted model file (settings size)");
        const auto text = r.take(settings_len);
        sections.settings = decode_settings(
            std::string_view(reinterpret_cast<const char*>(text.data()), text.size()), name);
    }
    const auto count = r.get<std::uint32_t>();
    if (count != Net::specs.size())
        throw model_error(name + ": corrupted model file (tensor count)");
    for (const auto& s : Net::specs) {
        const auto rank = r.get<std::uint32_t>();
        if (rank != s.rank) throw model_error(name + ": corrupted model file (tensor rank)");
        for (std::size_t i = 0; i < rank; ++i)
            if (r.get<std::uint64_t>() != s.shape[i])
                throw model_error(name + ": corrupted model file (tensor shape)");
    }
    const std::size_t elem = dtype == 1 ? 2 : 4;
    const auto payload_bytes = r.get<std::uint64_t>();
    if (payload_bytes != std::uint64_t(Net::parameter_count) * elem)
        throw model_error(name + ": corrupted model file (payload size)");
    const auto payload = r.take(payload_bytes);
    std::vector<typename Net::value_type> params(Net::parameter_count);
    for (std::size_t i = 0; i < params.size(); ++i) {
        if (dtype == 1) {
            std::uint16_t h;
            std::memcpy(&h, payload.data() + 2 * i, 2);
            params[i] = typename Net::value_type(half_to_float(h));
        } else {
            float f;
            std::memcpy(&f, payload.data() + 4 * i, 4);
            params[i] = typename Net::value_type(f);
        }
    }
    checkpoint_section& ck = sections.checkpoint;
    if (kind == 1) {
        const auto n = r.get<std::uint32_t>();
        const auto opt = r.take(n);
        ck.optimizer.assign(opt.begin(), opt.end());
        ck.steps = r.get<std::uint64_t>();
        const auto slots = r.get<std::uint64_t>();
        if (slots % std::max<std::size_t>(Net::parameter_count, 1) != 0 ||
            slots > 8 * std::uint64_t(Net::parameter_count))
            throw model_error(name + ": corrupted checkpoint (optimizer state size)");
        const auto st = r.take(slots * 4);
        ck.state.resize(std::size_t(slots));
        std::memcpy(ck.state.data(), st.data(), st.size());
        const auto extra = r.take(r.get<std::uint64_t>());
        ck.trainer_state.assign(extra.begin(), extra.end());
    } else if (kind != 0) {
        throw model_error(name + ": corrupted model file (unknown kind)");
    } else if (need_checkpoint) {
        throw model_error(name + ": is a model, not a checkpoint (no optimizer state to resume)");
    }
    net.set_parameters(params);
    return sections;
}

} // namespace detail

/// Writes the network's parameters (not its optimizer state) and `settings` as a model file,
/// atomically.
template <class Stack, class Backend>
void save(const std::filesystem::path& path, network<Stack, Backend>& net,
          weight_format fmt = weight_format::float32, const model_settings& settings = {}) {
    detail::write_model_file(path, net, fmt, nullptr, settings);
}

/// Loads a model (or the model part of a checkpoint) into `net` and returns its settings (none
/// for a version 1 file); model_error on any mismatch.
template <class Stack, class Backend>
model_settings load(const std::filesystem::path& path, network<Stack, Backend>& net) {
    return detail::read_model_file(path, net, false).settings;
}

} // namespace keychroma::nn
