#pragma once
// A directory of outputs (`keychroma keyframes --out DIR`) appears whole or not at all, like a
// single file (atomic_file.hpp): its files are written into a hidden temporary directory and
// `commit()` moves them into place. When DIR does not exist yet, the temporary itself becomes
// DIR (its missing parents are made only then); when it does, each file is renamed to its name
// in DIR. An existing DIR is written into only when it is empty or holds the index file of an
// earlier run (keyframes.json, a JSON object whose "format" names the writer), whose outputs are
// then replaced by name, and those of its files that the new run does not write again (the
// keyframe PNGs of other frames, which the index lists) removed, so that DIR never mixes two
// runs' outputs: a folder of the user's that holds a frames.csv, even beside a keyframes.json of
// their own, is refused, not overwritten. A run that stops before `commit()` leaves neither DIR
// nor a file in it, and the other files of an existing DIR are never touched.
//
// An output may also be a folder the caller fills (`keychroma paper`'s recipe folders: a
// package, a video, reports). An earlier run's folder of that name is replaced whole (swapped
// with the new one, then removed), and only when the caller's rule recognises everything in it
// as such outputs; anything else there refuses the commit, and the finished outputs are kept.
// A stopping signal removes the staged folders with what is in them (signal_cleanup.hpp).

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "keychroma/core/atomic_file.hpp"
#include "keychroma/core/error.hpp"
#include "keychroma/core/json_file.hpp"

namespace keychroma {

class directory_output {
public:
    /// Checks the destination now, so that a run fails before its work, not after: io_error
    /// when DIR, or the nearest of its parents that exists, is not a directory, or when DIR
    /// holds anything but is not an earlier run's output (no file `index` in it whose "format"
    /// is `format`). `listing` is the key of the index's array of the file names that differ from
    /// run to run (keychroma keyframes: "keyframe_files"): those of an earlier run that this run
    /// does not write again are removed by commit().
    directory_output(const std::filesystem::path& dir, std::string index, std::string format,
                     const std::string& listing = {})
        : dir_(without_trailing_separators(dir)), index_(std::move(index)),
          format_(std::move(format)) {
        namespace fs = std::filesystem;
        std::error_code ec;
        const auto status = fs::status(dir_, ec);
        existed_ = fs::exists(status);
        if (existed_ && !fs::is_directory(status))
            throw io_error(dir_.string() + ": exists and is not a directory");
        // A killed run's staging directory is not the user's: gone before DIR is judged.
        if (existed_) temp_directory::remove_leftovers(dir_, std::string(staging_name));
        if (existed_) {
            const auto earlier = earlier_index();
            if (!earlier && !holds_nothing())
                throw io_error(dir_.string() + ": holds other files and no " + index_ +
                               " of an earlier run; give a new or empty directory");
            if (earlier) {
                earlier_files_ = names_listed(*earlier, listing);
                earlier_written_ = fs::last_write_time(dir_ / index_, ec);
                if (ec) earlier_written_.reset();
            }
        }
        // A new DIR is staged in its nearest existing parent, so that commit()'s rename stays on
        // one file system (a parent that does not exist yet cannot be a mount point).
        fs::path parent = existed_ ? dir_ : directory_of(dir_);
        while (!fs::exists(fs::status(parent, ec)) && directory_of(parent) != parent)
            parent = directory_of(parent);
        if (!fs::is_directory(parent, ec))
            throw io_error(dir_.string() + ": cannot create: " + parent.string() +
                           " is not a directory");
        staging_.emplace(parent, existed_ ? std::string(staging_name) : dir_.filename().string());
    }

    directory_output(const directory_output&) = delete;
    directory_output& operator=(const directory_output&) = delete;
    /// Without commit(): the staged folders go with what is in them, then the staged files.
    /// (A folder already moved into DIR is not in staging any more; an earlier run's folder
    /// swapped into staging is removed only by commit(), once judged.)
    ~directory_output() {
        std::error_code ec;
        if (staging_ && !staging_->path().empty()) // not committed, nor kept by an error
            for (const auto& f : folders_)
                if (!f.moved) std::filesystem::remove_all(staging_->path() / f.name, ec);
    }

    /// Where to write the output `name` now (a plain file name, no directories).
    [[nodiscard]] std::filesystem::path file(const std::string& name) {
        names_.push_back(name);
        return staging_->file(name);
    }

    /// Whether the folder at a path holds nothing but outputs of the kind the caller writes into
    /// a folder (an earlier run's, which may be replaced).
    using folder_rule = std::function<bool(const std::filesystem::path&)>;

    /// The output folder `name` (a plain name), made now, empty, for the caller to fill. An
    /// earlier run's folder of that name in DIR is replaced by commit() only when `replaceable`
    /// holds for it (io_error from commit() otherwise, the finished outputs kept).
    [[nodiscard]] std::filesystem::path folder(const std::string& name, folder_rule replaceable) {
        const auto path = staging_->path() / name;
        std::error_code ec;
        if (!std::filesystem::create_directory(path, ec))
            throw io_error(final_path(name).string() + ": cannot create the output folder" +
                           (ec ? ": " + ec.message() : std::string(" twice")));
        names_.push_back(name);
        folders_.push_back(
            {name, std::move(replaceable), signal_cleanup(path, removal::tree), false});
        return path;
    }
    /// Whether commit() may put the folder `name` in DIR: nothing is there, or a directory (not a
    /// link) that `replaceable` recognises as an earlier run's. A caller asks before its work.
    [[nodiscard]] bool may_replace(const std::string& name, const folder_rule& replaceable) const {
        std::error_code ec;
        const auto at = final_path(name);
        const auto status = std::filesystem::symlink_status(at, ec);
        return !std::filesystem::exists(status) ||
               (std::filesystem::is_directory(status) && replaceable(at));
    }

    /// Where the output `name` will be once committed.
    [[nodiscard]] std::filesystem::path final_path(const std::string& name) const {
        return dir_ / name;
    }
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return dir_; }

    /// Moves the outputs into place, in the order `file()` and `folder()` named them (the last
    /// one written, an index such as keyframes.json, appears last), an earlier run's folder
    /// swapped with the new one and then removed, then removes the earlier run's listed files
    /// that this run did not write.
    void commit() {
        namespace fs = std::filesystem;
        std::error_code ec;
        // From here a stopping signal leaves the staged folders (hidden), as SIGKILL would: once
        // an earlier run's folder has been swapped into staging, only its judgment below may
        // remove it.
        for (auto& f : folders_) f.on_signal.release();
        if (!existed_) {
            fs::create_directories(directory_of(dir_), ec);
            // Not rename(2): it would replace an empty directory made at DIR during the run.
            const auto moved = rename_no_replace(staging_->path(), dir_);
            if (!moved) {
                staging_->release();
                staging_.reset();
                folders_.clear();
                return;
            }
            // Something appeared at DIR in the meantime: a directory is written into as one that
            // was there at the start would have been; anything else keeps the finished outputs.
            if (!fs::is_directory(fs::symlink_status(dir_, ec)))
                keep_and_throw("cannot move the finished outputs into place (" + moved.message() +
                               ")");
        }
        // Again: the user may have put files into DIR, or taken the index away, during the run.
        if (!may_write_into()) keep_and_throw("holds other files and no " + index_);
        // Everything is judged before anything moves, so that a refusal changes nothing: an
        // earlier run's folder by the caller's rule, a file by its time (the earlier index was
        // written after all of that run's outputs; a file changed since is the user's now).
        for (const auto& f : folders_)
            if (!may_replace(f.name, f.replaceable))
                keep_and_throw(f.name + " holds files that are not an earlier run's outputs");
        for (const auto& name : names_)
            if (std::ranges::find(folders_, name, &staged_folder::name) == folders_.end() &&
                changed_since_the_earlier_run(name))
                keep_and_throw(name +
                               " was changed after the earlier run wrote it (an edit, or a copy "
                               "that did not keep the times): move it away or give a new "
                               "directory");
        for (const auto& name : names_) {
            const auto folder = std::ranges::find(folders_, name, &staged_folder::name);
            const auto from = staging_->path() / name, to = dir_ / name;
            const bool swap = folder != folders_.end() && fs::exists(fs::symlink_status(to, ec));
            if (folder == folders_.end())
                fs::rename(from, to, ec);
            else
                ec = swap ? exchange_paths(from, to) : rename_no_replace(from, to);
            if (ec)
                throw io_error(to.string() +
                               ": cannot move the finished output into place: " + ec.message());
            if (folder == folders_.end()) continue;
            folder->moved = true;
            // The earlier folder, now in staging, judged once more where nobody else writes:
            // one that a file reached meanwhile stays, with the staging directory, and the
            // error says where.
            if (swap && !may_remove_earlier(from, *folder))
                keep_and_throw("the earlier " + name +
                               " received other files while it was replaced");
            if (swap) fs::remove_all(from, ec);
        }
        folders_.clear();
        staging_.reset(); // now empty: removed
        // Left in place they would pass for this run's (a folder of keyframe PNGs is a training
        // set: `train --references DIR`). Only regular files not changed since the earlier index
        // was written (which was after all of that run's outputs): a directory or a link at such
        // a name, or a keyframe the user has coloured by hand since, is not the earlier run's
        // output. One that cannot be removed stays, as it would have before; the new outputs
        // are complete either way.
        for (const auto& name : earlier_files_)
            if (std::ranges::find(names_, name) == names_.end() &&
                !changed_since_the_earlier_run(name))
                fs::remove(dir_ / name, ec); // nothing when it is gone already
    }

private:
    /// Whether DIR's names may be taken: nothing is in it but, at most, an earlier run's outputs
    /// (its index file) and the staging directory.
    [[nodiscard]] bool may_write_into() const { return earlier_index() || holds_nothing(); }

    /// DIR's index when it is an earlier run's.
    [[nodiscard]] std::optional<nlohmann::ordered_json> earlier_index() const {
        // At most 64 MiB: the index of a run with tens of thousands of keyframes is large.
        return read_json_file_of_format(dir_ / index_, format_, std::uintmax_t{64} << 20);
    }

    /// Whether DIR holds nothing but, at most, the staging directory.
    [[nodiscard]] bool holds_nothing() const {
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator(dir_, ec))
            if (!staging_ || entry.path() != staging_->path()) return false;
        return !ec;
    }

    /// The plain file names (no directory, not hidden, not the index) in the index's array
    /// `listing`: anything else in it is not a name a run's outputs have.
    [[nodiscard]] std::vector<std::string> names_listed(const nlohmann::ordered_json& index,
                                                        const std::string& listing) const {
        std::vector<std::string> names;
        const auto list = listing.empty() ? index.end() : index.find(listing);
        if (list == index.end() || !list->is_array()) return names;
        for (const auto& item : *list) {
            if (!item.is_string()) continue;
            const auto& name = item.get_ref<const std::string&>();
            if (!name.empty() && !name.starts_with('.') && name != index_ &&
                name.find('/') == std::string::npos)
                names.push_back(name);
        }
        return names;
    }

    /// The run's work is not thrown away: the staging directory stays, and the error names it.
    [[noreturn]] void keep_and_throw(const std::string& why) {
        const auto kept = staging_->keep();
        staging_.reset();
        folders_.clear();
        throw io_error(dir_.string() + ": " + why + "; the finished outputs are kept in " +
                       kept.string());
    }

    struct staged_folder {
        std::string name;
        folder_rule replaceable;
        signal_cleanup on_signal; ///< the staged folder, with what is in it
        bool moved = false;       ///< into DIR by commit()
    };

    /// Whether DIR/name exists and is not a regular file (not a link) written no later than
    /// the earlier run's index (in a DIR that was new or empty, anything at an output's name
    /// appeared meanwhile).
    [[nodiscard]] bool changed_since_the_earlier_run(const std::string& name) const {
        std::error_code ec;
        const auto status = std::filesystem::symlink_status(dir_ / name, ec);
        if (!std::filesystem::exists(status)) return false;
        const auto written = std::filesystem::last_write_time(dir_ / name, ec);
        return !std::filesystem::is_regular_file(status) || ec || !earlier_written_ ||
               written > *earlier_written_;
    }

    [[nodiscard]] static bool may_remove_earlier(const std::filesystem::path& path,
                                                 const staged_folder& f) {
        std::error_code ec;
        return std::filesystem::is_directory(std::filesystem::symlink_status(path, ec)) &&
               f.replaceable(path);
    }

    /// The staging directory's name inside an existing DIR (`.keychroma.tmp-XXXXXX`).
    static constexpr std::string_view staging_name = "keychroma";

    std::filesystem::path dir_;
    std::string index_, format_;
    bool existed_ = false;
    std::vector<std::string> names_;
    std::vector<std::string> earlier_files_; ///< the earlier run's listed files, by name
    /// When the earlier run's index was written (none: DIR was new or empty).
    std::optional<std::filesystem::file_time_type> earlier_written_;
    std::vector<staged_folder> folders_;
    std::optional<temp_directory> staging_;
};

} // namespace keychroma
