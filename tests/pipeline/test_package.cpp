#define BOOST_TEST_MODULE pipeline_package
#include <boost/test/unit_test.hpp>

// The send package's container: commit writes manifest.json + SHA256SUMS (checked with
// coreutils' sha256sum -c and parsed with nlohmann_json), verification rejects a missing or
// altered file naming it, and a failed or abandoned package leaves nothing behind.

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "keychroma/pipeline/package.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace keychroma::pipeline;

namespace {
void write_bytes(const fs::path& p, std::size_t n, char fill) {
    std::ofstream f(p, std::ios::binary);
    f << std::string(n, fill);
}
package_manifest sample_manifest() {
    package_manifest m;
    m.width = 64;
    m.height = 48;
    m.frames = 10;
    m.fps = {30000, 1001};
    m.architecture = "test-arch";
    m.working_width = m.working_height = 64;
    m.keyframe_method = "rgb8/black";
    m.keyframes = {0, 5};
    m.times = {{"keyframes", 0.5}, {"train", 2.0}};
    return m;
}
fs::path make_package(const fs::path& dir) {
    package_writer w(dir);
    write_bytes(w.gray_path(), 1000, 'g');
    write_bytes(w.model_path(), 300, 'm');
    (void)w.commit(sample_manifest());
    return dir;
}
template <class E>
void expect_error(const fs::path& dir, const std::string& needle) {
    try {
        (void)verify_package(dir);
        BOOST_ERROR("verify_package accepted a bad package; expected " + needle);
    } catch (const E& e) {
        BOOST_TEST(std::string(e.what()).find(needle) != std::string::npos, e.what());
    }
}
} // namespace

BOOST_AUTO_TEST_CASE(commit_writes_manifest_and_checksums) {
    keychroma::test::temp_dir tmp;
    const auto dir = make_package(tmp / "pkg");
    for (const char* name : {"gray.y4m", "model.kcm", "manifest.json", "SHA256SUMS"})
        BOOST_TEST(fs::is_regular_file(dir / name), name);
    // Nothing else left next to it (no temporary directory).
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(tmp.path())) ++entries;
    BOOST_TEST(entries == 1u);

    const std::string cmd = "cd '" + dir.string() + "' && sha256sum --quiet -c SHA256SUMS";
    BOOST_TEST(std::system(cmd.c_str()) == 0);

    std::ifstream f(dir / "manifest.json");
    const auto j = nlohmann::json::parse(f);
    BOOST_TEST(j["format"].get<std::string>() == "keychroma-package");
    BOOST_TEST(j["video"]["width"].get<int>() == 64);
    BOOST_TEST(j["video"]["fps"][0].get<int>() == 30000);
    BOOST_TEST(j["video"]["duration_s"].get<double>() == 10 * 1001.0 / 30000.0,
               boost::test_tools::tolerance(1e-12));
    BOOST_TEST(j["bandwidth"]["raw_color_bytes"].get<long>() == 64 * 48 * 3 * 10);
    BOOST_TEST(j["bandwidth"]["sent_bytes"].get<long>() == 1300);
    BOOST_TEST(j["bandwidth"]["saved_bytes"].get<long>() == 64 * 48 * 3 * 10 - 1300);
    BOOST_TEST(j["files"].size() == 2u);
    BOOST_TEST(j["files"][1]["name"].get<std::string>() == "model.kcm");
    BOOST_TEST(j["files"][1]["bytes"].get<int>() == 300);
    BOOST_TEST(j["keyframes"]["frames"][1].get<int>() == 5);
    BOOST_TEST(j["times_s"]["train"].get<double>() == 2.0);

    const auto v = verify_package(dir);
    BOOST_TEST(v.files.size() == 3u);
    BOOST_TEST(v.model == dir / "model.kcm");
}

// The sound (optional) and the display rotation travel in the package: the audio file is
// checksummed like the others, the rotation read back by the receiver; a manifest from before
// the rotation was kept reads as 0, and a rotation that is not a quarter turn is refused.
BOOST_AUTO_TEST_CASE(sound_and_rotation_travel_in_the_package) {
    keychroma::test::temp_dir tmp;
    {
        package_writer w(tmp / "pkg");
        write_bytes(w.gray_path(), 1000, 'g');
        write_bytes(w.model_path(), 300, 'm');
        write_bytes(w.audio_path(), 200, 'a');
        auto m = sample_manifest();
        m.rotation = 270;
        const auto written = w.commit(m);
        BOOST_TEST(written.files.size() == 3u);
        BOOST_TEST(written.bandwidth.sent_bytes == 1300u); // the sound costs the same either way
    }
    const auto v = verify_package(tmp / "pkg");
    BOOST_TEST_REQUIRE(v.audio.has_value());
    BOOST_TEST(*v.audio == tmp / "pkg" / "audio.mka");
    BOOST_TEST(read_receiver_settings(v.manifest).rotation == 270);
    write_bytes(tmp / "pkg" / "audio.mka", 200, 'b');
    expect_error<keychroma::format_error>(tmp / "pkg", "audio.mka");
    BOOST_TEST(!verify_package(make_package(tmp / "silent")).audio.has_value());

    const auto manifest_with = [&](const std::string& rotation) {
        const auto p = tmp / "manifest.json";
        std::ofstream(p) << R"({"model": {"working_size": [96, 96], "fit": "scale"}, "video": {)"
                         << rotation << "}}";
        return p;
    };
    BOOST_TEST(read_receiver_settings(manifest_with("")).rotation == 0);
    BOOST_TEST(read_receiver_settings(manifest_with(R"("rotation": 90)")).rotation == 90);
    for (const char* bad : {"45", "-90", "360", "99999999999", "\"90\""})
        BOOST_CHECK_THROW(
            (void)read_receiver_settings(manifest_with(std::string(R"("rotation": )") + bad)),
            keychroma::format_error);
}

// A gray video coded by FFV1 or H.264 is gray.mkv: checksummed, its coding recorded, found by
// the receiver; a package listing two gray videos is refused.
BOOST_AUTO_TEST_CASE(a_coded_gray_video_travels_as_gray_mkv) {
    keychroma::test::temp_dir tmp;
    {
        package_writer w(tmp / "pkg");
        BOOST_TEST(w.gray_path(keychroma::io::gray_codec::h264).filename() == "gray.mkv");
        write_bytes(w.gray_path(keychroma::io::gray_codec::h264), 700, 'g');
        write_bytes(w.model_path(), 300, 'm');
        auto m = sample_manifest();
        m.gray = {keychroma::io::gray_codec::h264, 30, "veryfast"};
        const auto written = w.commit(m);
        BOOST_TEST(written.files[0].name == "gray.mkv");
        BOOST_TEST(written.bandwidth.gray_bytes == 700u);
    }
    const auto v = verify_package(tmp / "pkg");
    BOOST_TEST(v.gray == tmp / "pkg" / "gray.mkv");
    std::ifstream f(v.manifest);
    const auto j = nlohmann::json::parse(f);
    BOOST_TEST(j["video"]["gray_codec"].get<std::string>() == "h264");
    BOOST_TEST(j["video"]["gray_crf"].get<int>() == 30);
    BOOST_TEST(j["video"]["gray_preset"].get<std::string>() == "veryfast");
    BOOST_TEST(j["files"][0]["name"].get<std::string>() == "gray.mkv");

    // Both gray videos listed (and present, with the right checksums): which one was sent?
    write_bytes(tmp / "pkg" / "gray.y4m", 10, 'y');
    const auto y4m_sum = keychroma::sha256_file(tmp / "pkg" / "gray.y4m");
    std::ofstream(tmp / "pkg" / "SHA256SUMS", std::ios::app) << y4m_sum << "  gray.y4m\n";
    expect_error<keychroma::format_error>(tmp / "pkg", "two gray videos");
}

BOOST_AUTO_TEST_CASE(missing_file_named) {
    keychroma::test::temp_dir tmp;
    const auto dir = make_package(tmp / "pkg");
    fs::remove(dir / "model.kcm");
    expect_error<keychroma::io_error>(dir, "model.kcm: missing from the package");
}

BOOST_AUTO_TEST_CASE(altered_file_named) {
    keychroma::test::temp_dir tmp;
    for (const char* name : {"gray.y4m", "model.kcm", "manifest.json"}) {
        const auto dir = make_package(tmp / name);
        {
            std::fstream f(dir / name, std::ios::binary | std::ios::in | std::ios::out);
            f.seekp(10);
            f.put('X'); // one byte changed, size unchanged
        }
        expect_error<keychroma::format_error>(dir, std::string(name) + ": altered or corrupt");
    }
}

BOOST_AUTO_TEST_CASE(missing_or_bad_checksum_list) {
    keychroma::test::temp_dir tmp;
    const auto dir = make_package(tmp / "pkg");
    fs::remove(dir / "SHA256SUMS");
    expect_error<keychroma::io_error>(dir, "SHA256SUMS: missing from the package");
    {
        std::ofstream f(dir / "SHA256SUMS");
        f << "not a checksum line\n";
    }
    expect_error<keychroma::format_error>(dir, "line 1");
    {
        std::ofstream f(dir / "SHA256SUMS"); // lists nothing: the required files are unlisted
    }
    expect_error<keychroma::format_error>(dir, "does not list gray.y4m");
    expect_error<keychroma::io_error>(tmp / "nowhere", "not a package directory");
}

BOOST_AUTO_TEST_CASE(abandoned_writer_leaves_nothing) {
    keychroma::test::temp_dir tmp;
    {
        package_writer w(tmp / "pkg");
        write_bytes(w.gray_path(), 10, 'g');
        // no model: commit fails naming it, and the temporary directory goes away
        BOOST_CHECK_THROW((void)w.commit(sample_manifest()), keychroma::io_error);
    }
    BOOST_TEST(fs::is_empty(tmp.path()));
}

BOOST_AUTO_TEST_CASE(replaces_a_package_but_not_other_directories) {
    keychroma::test::temp_dir tmp;
    const auto dir = make_package(tmp / "pkg");
    {
        package_writer w(dir);
        write_bytes(w.gray_path(), 2000, 'h');
        write_bytes(w.model_path(), 10, 'n');
        (void)w.commit(sample_manifest());
    }
    BOOST_TEST(fs::file_size(dir / "gray.y4m") == 2000u);
    (void)verify_package(dir);
    fs::create_directory(tmp / "docs");
    write_bytes(tmp / "docs" / "thesis.tex", 10, 't');
    BOOST_CHECK_THROW(package_writer(tmp / "docs"), keychroma::io_error);
    BOOST_CHECK_THROW(package_writer(tmp / "no" / "pkg"), keychroma::io_error);
}

BOOST_AUTO_TEST_CASE(a_checksum_list_does_not_make_a_directory_a_package) {
    // A user's folder that happens to hold a SHA256SUMS (or all four names, or a package with
    // the user's own file added) is not keychroma's to replace: refused, every file kept.
    keychroma::test::temp_dir tmp;
    const auto d = tmp / "d";
    fs::create_directory(d);
    write_bytes(d / "thesis.tex", 9, 't');
    write_bytes(d / "SHA256SUMS", 0, ' ');
    BOOST_CHECK_THROW(package_writer{d}, keychroma::io_error);
    const auto look_alike = tmp / "look-alike";
    fs::create_directory(look_alike);
    for (const char* name : {"gray.y4m", "model.kcm", "SHA256SUMS"})
        write_bytes(look_alike / name, 5, 'x');
    {
        std::ofstream f(look_alike / "manifest.json");
        f << R"({"format": "my-own-format"})";
    }
    BOOST_CHECK_THROW(package_writer{look_alike}, keychroma::io_error);
    // a real package the user added a file to, between send's start and its commit
    const auto pkg = make_package(tmp / "pkg");
    {
        package_writer w(pkg);
        write_bytes(w.gray_path(), 20, 'g');
        write_bytes(w.model_path(), 30, 'm');
        write_bytes(pkg / "notes.txt", 4, 'n');
        BOOST_CHECK_THROW((void)w.commit(sample_manifest()), keychroma::io_error);
    }
    BOOST_TEST(fs::file_size(d / "thesis.tex") == 9u);
    BOOST_TEST(fs::exists(d / "SHA256SUMS"));
    BOOST_TEST(fs::file_size(look_alike / "gray.y4m") == 5u);
    BOOST_TEST(fs::file_size(pkg / "notes.txt") == 4u);
    BOOST_TEST(fs::file_size(pkg / "gray.y4m") == 1000u); // the old package, untouched
    // nothing else was left in tmp: no temporary directories
    BOOST_TEST(std::distance(fs::directory_iterator(tmp.path()), fs::directory_iterator()) == 3);
}

// After the swap the replaced package sits under the new one's temporary name, where a later
// run would take it for a killed run's leftover and remove all it holds. It is removed when it
// is only a package; anything else in it (a file the user put there meanwhile) keeps it,
// renamed `.NAME.kept-XXXXXX`, which no run removes.
BOOST_AUTO_TEST_CASE(a_replaced_package_is_removed_or_kept_never_left_as_a_temporary) {
    keychroma::test::temp_dir tmp;
    const auto retire = [&](bool with_users_file) {
        keychroma::temp_directory old(tmp.path(), "pkg");
        const auto replaced = make_package(tmp / "replaced");
        if (with_users_file) write_bytes(replaced / "notes.txt", 4, 'n');
        fs::rename(replaced, old.path()); // what the swap does: the new one's name, unlocked
        return detail::retire_replaced_package(old);
    };
    BOOST_TEST(!retire(false).has_value());
    BOOST_TEST(fs::is_empty(tmp.path()));

    const auto kept = retire(true);
    BOOST_TEST_REQUIRE(kept.has_value());
    BOOST_TEST(kept->parent_path() == tmp.path());
    BOOST_TEST(kept->filename().string().starts_with(".pkg.kept-"), *kept);
    BOOST_TEST(fs::file_size(*kept / "notes.txt") == 4u);
    BOOST_TEST(fs::file_size(*kept / "gray.y4m") == 1000u); // the whole package, with it
    (void)make_package(tmp / "pkg"); // the next send of that name leaves it alone
    BOOST_TEST(fs::file_size(*kept / "notes.txt") == 4u);
    BOOST_TEST(std::distance(fs::directory_iterator(tmp.path()), fs::directory_iterator()) == 2);
}

BOOST_AUTO_TEST_CASE(temporaries_are_exclusive_and_unpredictable) {
    keychroma::test::temp_dir tmp;
    // a symlink planted at the final name is replaced, never written through
    write_bytes(tmp / "victim", 6, 'v');
    fs::create_symlink(tmp / "victim", tmp / "out.txt");
    write_text_file(tmp / "out.txt", "keychroma");
    BOOST_TEST(fs::file_size(tmp / "victim") == 6u);
    BOOST_TEST(!fs::is_symlink(tmp / "out.txt"));
    BOOST_TEST(fs::file_size(tmp / "out.txt") == 9u);
    // two outputs of the same name get different, unguessable temporaries (not pid-numbered)
    keychroma::atomic_output a(tmp / "x.bin"), b(tmp / "x.bin");
    BOOST_TEST(a.temp_path() != b.temp_path());
    BOOST_TEST(a.temp_path().filename().string().find(std::to_string(::getpid())) ==
               std::string::npos);
    BOOST_TEST(fs::is_regular_file(a.temp_path())); // created exclusively, already there
}

// The manifest comes from anyone: its reader bounds the size and nesting of what it parses and
// answers every malformed file with one format_error naming it.
BOOST_AUTO_TEST_CASE(manifest_reader_bounds_hostile_json) {
    keychroma::test::temp_dir tmp;
    const auto p = tmp / "manifest.json";
    const auto rejects = [&](const std::string& text, const std::string& needle) {
        std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
        try {
            (void)read_receiver_settings(p);
            BOOST_ERROR("accepted: " + text.substr(0, 60));
        } catch (const keychroma::format_error& e) {
            BOOST_TEST(std::string(e.what()).find(needle) != std::string::npos,
                       e.what() << " (expected: " << needle << ")");
            BOOST_TEST(std::string(e.what()).find(p.string()) != std::string::npos, e.what());
        }
    };
    rejects(std::string(17, '[') + std::string(17, ']'), "nested deeper than 16");
    rejects(std::string(100000, '['), "nested deeper than 16");
    rejects("{\"model\": " + std::string((1 << 20) + 10, ' ') + "{}}", "bytes, more than");
    rejects("{\"model\": {\"working_size\": [96, 96], \"fit\": \"scale\"", "not valid JSON");
    rejects("[1, 2]", "\"model\" is not an object");
    rejects(R"({"model": {"working_size": [0, 96], "fit": "scale"}})", "working_size");
    rejects(R"({"model": {"working_size": [96, 96.5], "fit": "scale"}})", "working_size");
    rejects(R"({"model": {"working_size": [96, 96], "fit": 3}})", "fit");
    std::ofstream(p, std::ios::binary | std::ios::trunc)
        << R"({"model": {"working_size": [96, 64], "fit": "crop"}})";
    const auto r = read_receiver_settings(p);
    BOOST_TEST(r.working_width == 96u);
    BOOST_TEST(r.working_height == 64u);
    BOOST_TEST(r.fit == "crop");

    // Written: a number JSON cannot hold (a clip too short for any saving) becomes null.
    auto m = sample_manifest();
    m.bandwidth.saved_percent = std::numeric_limits<double>::quiet_NaN();
    const auto j = nlohmann::json::parse(json_text(manifest_json(m)));
    BOOST_TEST(j["bandwidth"]["saved_percent"].is_null());
    BOOST_TEST(j["format"].get<std::string>() == "keychroma-package");
}

// rename_no_replace, which puts a finished package or report into place, never replaces what is
// at the target -- not even an empty directory, which rename(2) would -- and moves when nothing
// is there.
BOOST_AUTO_TEST_CASE(rename_no_replace_keeps_whatever_is_there) {
    keychroma::test::temp_dir tmp;
    fs::create_directory(tmp / "from");
    write_bytes(tmp / "from" / "a", 3, 'a');
    fs::create_directory(tmp / "users_empty_dir");
    write_bytes(tmp / "users_file", 5, 'u');
    for (const char* target : {"users_empty_dir", "users_file"}) {
        const auto ec = keychroma::rename_no_replace(tmp / "from", tmp / target);
        BOOST_TEST((ec == std::errc::file_exists), target << ": " << ec.message());
        BOOST_TEST(fs::exists(tmp / "from" / "a"), target);
    }
    BOOST_TEST(fs::is_empty(tmp / "users_empty_dir"));
    BOOST_TEST(fs::file_size(tmp / "users_file") == 5u);
    BOOST_TEST(!keychroma::rename_no_replace(tmp / "from", tmp / "to"));
    BOOST_TEST(fs::exists(tmp / "to" / "a"));
    BOOST_TEST(!fs::exists(tmp / "from"));
}

// Where the file system lacks RENAME_NOREPLACE the name is claimed first (link for a file, an
// empty mkdir for a directory): the same promise, with no instant in which an entry that
// appears at the target could be replaced.
BOOST_AUTO_TEST_CASE(rename_by_claiming_keeps_whatever_is_there_too) {
    keychroma::test::temp_dir tmp;
    fs::create_directory(tmp / "from");
    write_bytes(tmp / "from" / "a", 3, 'a');
    write_bytes(tmp / "file", 4, 'f');
    fs::create_directory(tmp / "users_empty_dir");
    write_bytes(tmp / "users_file", 5, 'u');
    for (const char* from : {"from", "file"})
        for (const char* target : {"users_empty_dir", "users_file"}) {
            const auto ec = keychroma::detail::rename_by_claiming(tmp / from, tmp / target);
            BOOST_TEST((ec == std::errc::file_exists), from << " -> " << target);
            BOOST_TEST(fs::exists(tmp / from), from << " -> " << target);
        }
    BOOST_TEST(fs::is_empty(tmp / "users_empty_dir"));
    BOOST_TEST(fs::file_size(tmp / "users_file") == 5u);
    BOOST_TEST(!keychroma::detail::rename_by_claiming(tmp / "from", tmp / "to"));
    BOOST_TEST(fs::exists(tmp / "to" / "a"));
    BOOST_TEST(!fs::exists(tmp / "from"));
    BOOST_TEST(!keychroma::detail::rename_by_claiming(tmp / "file", tmp / "moved"));
    BOOST_TEST(fs::file_size(tmp / "moved") == 4u);
    BOOST_TEST(!fs::exists(tmp / "file"));
}
