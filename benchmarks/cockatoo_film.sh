# Sourced by the benchmarks that colour a "black-and-white film" (run_colorize.sh,
# run_references.sh): sets `clip` to the 1280x720 cockatoo clip, fetched when missing, and makes
# gray.mkv in the current directory: the clip made gray, lossless (FFV1), its sound kept.
# Needs `root` and `footage`.
clip="$footage/cockatoo.mp4"
[[ -s "$clip" ]] || "$root/scripts/fetch-footage.sh" >&2
[[ -s gray.mkv ]] || ffmpeg -v error -y -i "$clip" -vf format=gray -c:v ffv1 -c:a copy gray.mkv
