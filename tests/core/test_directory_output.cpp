#define BOOST_TEST_MODULE core_directory_output
#include <boost/test/unit_test.hpp>

// A directory of outputs appears whole or not at all: nothing under DIR's name (nor its missing
// parents) before commit(), nothing left by a run that stops before it; an existing DIR is
// written into only when it is empty or an earlier run's (it holds the index, keyframes.json),
// and then only the outputs' own names are replaced, and the earlier run's listed files that the
// new run does not write again removed -- the user's other files, and the directory's own hidden
// entries, stay as they were. An output folder (paper's recipe folders) is staged like a file; an
// earlier run's folder of its name is replaced whole, and only when the caller's rule recognises
// all that it holds.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "keychroma/core/directory_output.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using keychroma::directory_output;
using keychroma::test::names_in;
using keychroma::test::read_text;
using keychroma::test::temp_dir;
using keychroma::test::write_text;

namespace {

const std::string index_file = "keyframes.json";
const std::string format = "keychroma-keyframes";
const std::string index_text = R"({"format": "keychroma-keyframes"})";

} // namespace

BOOST_AUTO_TEST_CASE(a_new_directory_and_its_parents_appear_only_at_commit) {
    temp_dir d;
    const fs::path dir = d / "a" / "b" / "out";
    directory_output out(dir, index_file, format);
    write_text(out.file("frames.csv"), "csv");
    write_text(out.file("keyframes.json"), "{}");
    BOOST_TEST(!fs::exists(d / "a"));
    BOOST_TEST(out.final_path("frames.csv") == dir / "frames.csv");
    out.commit();
    BOOST_TEST((names_in(dir) == std::set<std::string>{"frames.csv", "keyframes.json"}));
    BOOST_TEST(read_text(dir / "frames.csv") == "csv");
    BOOST_TEST((names_in(d.path()) == std::set<std::string>{"a"})); // no staging left
}

BOOST_AUTO_TEST_CASE(a_run_that_stops_before_commit_leaves_nothing) {
    temp_dir d;
    {
        directory_output out(d / "x" / "out/", index_file, format); // "out/" is the directory "out"
        write_text(out.file("frames.csv"), "csv");
    }
    BOOST_TEST(names_in(d.path()).empty());

    fs::create_directory(d / "kf");
    write_text(d / "kf" / "frames.csv", "an earlier run's");
    write_text(d / "kf" / index_file, index_text);
    write_text(d / "kf" / "notes.txt", "notes");
    {
        directory_output out(d / "kf", index_file, format);
        write_text(out.file("frames.csv"), "new");
    }
    BOOST_TEST(
        (names_in(d / "kf") == std::set<std::string>{"frames.csv", index_file, "notes.txt"}));
    BOOST_TEST(read_text(d / "kf" / "frames.csv") == "an earlier run's");
}

BOOST_AUTO_TEST_CASE(a_folder_that_is_no_earlier_run_is_refused_untouched) {
    temp_dir d;
    fs::create_directory(d / "mine");
    write_text(d / "mine" / "frames.csv", "the user's");
    BOOST_CHECK_THROW(directory_output(d / "mine", index_file, format), keychroma::io_error);
    BOOST_TEST((names_in(d / "mine") == std::set<std::string>{"frames.csv"}));
    BOOST_TEST(read_text(d / "mine" / "frames.csv") == "the user's");
    // A keyframes.json of the user's (a list for --keyframes-from) is no earlier run's, nor is
    // one whose "format" is not a string, nor one nested deeper than keychroma's JSON reader
    // bounds (core/json_file.hpp; the index was once parsed here without that bound).
    for (const std::string text :
         {std::string("[5, 10]"), std::string(R"({"keyframes": [5]})"), std::string("not json"),
          std::string(R"({"format": ["keychroma-keyframes"]})"),
          R"({"format": "keychroma-keyframes", "x": )" + std::string(100000, '[') +
              std::string(100000, ']') + "}"}) {
        write_text(d / "mine" / index_file, text);
        BOOST_CHECK_THROW(directory_output(d / "mine", index_file, format), keychroma::io_error);
        BOOST_TEST(read_text(d / "mine" / index_file) == text);
    }

    fs::create_directory(d / "empty"); // an empty folder is as good as a new one
    directory_output out(d / "empty", index_file, format);
    write_text(out.file(index_file), index_text);
    out.commit();
    BOOST_TEST((names_in(d / "empty") == std::set<std::string>{index_file}));
}

BOOST_AUTO_TEST_CASE(an_existing_directory_gets_the_outputs_and_keeps_everything_else) {
    temp_dir d;
    fs::create_directory(d / "kf");
    write_text(d / "kf" / "frames.csv", "an earlier run's");
    write_text(d / "kf" / "notes.txt", "notes");
    write_text(d / "kf" / ".hidden", "hidden");
    write_text(d / "kf" / index_file, index_text);
    directory_output out(d / "kf", index_file, format);
    write_text(out.file("frames.csv"), "new");
    write_text(out.file("clusters.svg"), "<svg/>");
    write_text(out.file(index_file), index_text); // a run's index is written last
    BOOST_TEST(read_text(d / "kf" / "frames.csv") == "an earlier run's"); // not before commit
    out.commit();
    BOOST_TEST((names_in(d / "kf") == std::set<std::string>{".hidden", "clusters.svg", "frames.csv",
                                                            index_file, "notes.txt"}));
    BOOST_TEST(read_text(d / "kf" / "frames.csv") == "new");
    BOOST_TEST(read_text(d / "kf" / "notes.txt") == "notes");

    // An output's name holding a file changed after the earlier run's index was written (the
    // user's edit, or a file of theirs put there since) is not replaced: the commit is refused
    // before anything moves, the finished outputs kept where the error says.
    write_text(d / "kf" / "frames.csv", "edited by the user");
    fs::last_write_time(d / "kf" / "frames.csv",
                        fs::last_write_time(d / "kf" / index_file) + std::chrono::seconds(1));
    directory_output again(d / "kf", index_file, format);
    write_text(again.file("clusters.svg"), "<svg>new</svg>");
    write_text(again.file("frames.csv"), "newer");
    try {
        again.commit();
        BOOST_FAIL("commit succeeded");
    } catch (const keychroma::io_error& e) {
        const std::string what = e.what();
        BOOST_TEST(what.find("frames.csv was changed after the earlier run wrote it") !=
                       std::string::npos,
                   what);
        const fs::path kept = what.substr(what.find("kept in ") + 8);
        BOOST_TEST(read_text(kept / "frames.csv") == "newer");
        fs::remove_all(kept);
    }
    BOOST_TEST(read_text(d / "kf" / "frames.csv") == "edited by the user");
    BOOST_TEST(read_text(d / "kf" / "clusters.svg") == "<svg/>");
}

BOOST_AUTO_TEST_CASE(an_earlier_runs_listed_files_that_are_not_written_again_are_removed) {
    // Keyframe PNGs of frames the new run did not pick would pass for its own (a folder of them
    // is a training set): the earlier index's list names them. Only plain names of regular
    // files in DIR go; the rest of the list is not a name a run writes.
    temp_dir d;
    const fs::path kf = d / "kf";
    fs::create_directories(kf / "keyframe_000009.png"); // a directory of the user's at a name
    fs::create_directory(kf / "sub");
    for (const std::string name :
         {"keyframe_000001.png", "keyframe_000005.png", ".hidden", "notes.txt", "sub/a.png"})
        write_text(kf / name, "earlier " + name);
    write_text(d / "outside.png", "the user's");
    write_text(kf / index_file,
               R"({"format": "keychroma-keyframes", "keyframe_files": ["keyframe_000001.png",
               "keyframe_000005.png", "keyframe_000009.png", ".hidden", "../outside.png",
               "sub/a.png", "keyframes.json", 7, "keyframe_000002.png"]})");
    // A listed keyframe changed after the index was written: coloured by hand, the user's now.
    write_text(kf / "keyframe_000002.png", "coloured by hand");
    fs::last_write_time(kf / "keyframe_000002.png",
                        fs::last_write_time(kf / index_file) + std::chrono::seconds(1));
    directory_output out(kf, index_file, format, "keyframe_files");
    write_text(out.file("keyframe_000005.png"), "new");
    write_text(out.file(index_file), index_text);
    BOOST_TEST(fs::exists(kf / "keyframe_000001.png")); // not before commit
    out.commit();
    BOOST_TEST((names_in(kf) == std::set<std::string>{".hidden", "keyframe_000002.png",
                                                      "keyframe_000005.png", "keyframe_000009.png",
                                                      index_file, "notes.txt", "sub"}));
    BOOST_TEST(read_text(kf / "keyframe_000002.png") == "coloured by hand");
    BOOST_TEST(read_text(kf / "keyframe_000005.png") == "new");
    BOOST_TEST(fs::is_directory(kf / "keyframe_000009.png"));
    BOOST_TEST(read_text(kf / "sub" / "a.png") == "earlier sub/a.png");
    BOOST_TEST(read_text(d / "outside.png") == "the user's");

    // Without a listing key nothing but the outputs' own names is touched.
    write_text(kf / "keyframe_000001.png", "earlier");
    write_text(kf / index_file, R"({"format": "keychroma-keyframes", "keyframe_files": )"
                                R"(["keyframe_000001.png"]})");
    directory_output plain(kf, index_file, format);
    write_text(plain.file(index_file), index_text);
    plain.commit();
    BOOST_TEST(read_text(kf / "keyframe_000001.png") == "earlier");
}

namespace {

/// paper's rule, in small: a folder holding nothing but files named out*.
bool outputs_only(const fs::path& folder) {
    for (const auto& e : fs::directory_iterator(folder))
        if (!e.path().filename().string().starts_with("out")) return false;
    return true;
}

} // namespace

BOOST_AUTO_TEST_CASE(an_output_folder_appears_with_the_rest_or_not_at_all) {
    temp_dir d;
    {
        directory_output out(d / "run", "report.json", format);
        const fs::path recipe = out.folder("paper", outputs_only);
        fs::create_directory(recipe / "package");
        write_text(recipe / "package" / "model.kcm", "weights");
        write_text(recipe / "out.y4m", "frames");
        BOOST_CHECK_THROW((void)out.folder("paper", outputs_only), keychroma::io_error);
        // stopped before commit: nothing anywhere, however deep the folder was
    }
    BOOST_TEST(names_in(d.path()).empty());

    directory_output out(d / "run", "report.json", format);
    const fs::path recipe = out.folder("paper", outputs_only);
    write_text(recipe / "out.y4m", "first");
    write_text(out.file("report.json"), R"({"format": "keychroma-keyframes"})");
    BOOST_TEST(!fs::exists(d / "run"));
    out.commit();
    BOOST_TEST((names_in(d / "run") == std::set<std::string>{"paper", "report.json"}));
    BOOST_TEST(read_text(d / "run" / "paper" / "out.y4m") == "first");
}

BOOST_AUTO_TEST_CASE(an_earlier_runs_folder_is_replaced_whole_only_when_the_rule_says_so) {
    temp_dir d;
    const fs::path run = d / "run";
    fs::create_directories(run / "paper");
    fs::create_directories(run / "standard");
    write_text(run / "paper" / "out.y4m", "earlier");
    write_text(run / "paper" / "out-old.csv", "earlier, not written again");
    write_text(run / "standard" / "out.y4m", "earlier standard");
    write_text(run / "notes.txt", "the user's");
    write_text(run / index_file, index_text);
    const auto new_run = [&](const std::string& content) {
        directory_output out(run, index_file, format);
        write_text(out.folder("paper", outputs_only) / "out.y4m", content);
        write_text(out.file(index_file), index_text);
        out.commit();
    };
    new_run("new");
    // the earlier folder went whole; a folder this run does not make and the user's file stay
    BOOST_TEST(
        (names_in(run) == std::set<std::string>{index_file, "notes.txt", "paper", "standard"}));
    BOOST_TEST((names_in(run / "paper") == std::set<std::string>{"out.y4m"}));
    BOOST_TEST(read_text(run / "paper" / "out.y4m") == "new");
    BOOST_TEST(read_text(run / "standard" / "out.y4m") == "earlier standard");

    // A file of the user's in the earlier folder, or a file or a link at its name: refused at
    // commit, nothing in DIR changed, the finished outputs kept where the error says.
    write_text(run / "paper" / "main.tex", "the user's");
    fs::create_directory(d / "elsewhere");
    for (const std::string in_the_way : {"user's file inside", "a file", "a link"}) {
        if (in_the_way == "a file") {
            fs::remove_all(run / "paper");
            write_text(run / "paper", "the user's");
        } else if (in_the_way == "a link") {
            fs::remove(run / "paper");
            fs::create_directory_symlink(d / "elsewhere", run / "paper");
        }
        try {
            new_run("refused");
            BOOST_FAIL(in_the_way << ": commit succeeded");
        } catch (const keychroma::io_error& e) {
            const std::string what = e.what();
            const fs::path kept = what.substr(what.find("kept in ") + 8);
            BOOST_TEST(read_text(kept / "paper" / "out.y4m") == "refused", in_the_way);
            fs::remove_all(kept);
        }
        BOOST_TEST(
            (names_in(run) == std::set<std::string>{index_file, "notes.txt", "paper", "standard"}));
    }
    BOOST_TEST(fs::is_symlink(run / "paper"));
    BOOST_TEST(names_in(d / "elsewhere").empty());
}

BOOST_AUTO_TEST_CASE(a_file_in_the_way_is_refused_before_the_work) {
    temp_dir d;
    write_text(d / "kf", "a file");
    BOOST_CHECK_THROW(directory_output(d / "kf", index_file, format), keychroma::io_error);
    BOOST_CHECK_THROW(directory_output(d / "kf" / "sub", index_file, format), keychroma::io_error);
    BOOST_TEST(read_text(d / "kf") == "a file");
    BOOST_TEST((names_in(d.path()) == std::set<std::string>{"kf"}));
}

BOOST_AUTO_TEST_CASE(what_appears_at_the_name_during_the_run_is_kept) {
    temp_dir d;
    const auto kept_in = [](const keychroma::io_error& e) {
        const std::string what = e.what();
        return fs::path(what.substr(what.find("kept in ") + 8));
    };
    {
        // An empty directory made meanwhile is written into, as if it had been there at the start.
        directory_output out(d / "made", index_file, format);
        write_text(out.file("frames.csv"), "csv");
        fs::create_directory(d / "made");
        out.commit();
        BOOST_TEST((names_in(d / "made") == std::set<std::string>{"frames.csv"}));
    }
    // A file, or a folder of the user's, made meanwhile stays as it is, and the finished outputs
    // are kept where the error says.
    for (const bool folder : {false, true}) {
        const fs::path dir = d / (folder ? "folder" : "file");
        directory_output out(dir, index_file, format);
        write_text(out.file("frames.csv"), "csv");
        if (folder) {
            fs::create_directory(dir);
            write_text(dir / "notes.txt", "notes");
        } else {
            write_text(dir, "a file");
        }
        try {
            out.commit();
            BOOST_FAIL("commit succeeded");
        } catch (const keychroma::io_error& e) {
            BOOST_TEST(read_text(kept_in(e) / "frames.csv") == "csv", e.what());
        }
        if (folder)
            BOOST_TEST((names_in(dir) == std::set<std::string>{"notes.txt"}));
        else
            BOOST_TEST(read_text(dir) == "a file");
    }
}
