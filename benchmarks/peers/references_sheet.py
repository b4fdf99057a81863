#!/usr/bin/python3
"""Contact sheet of docs/references.md: the same frames of several videos, one row per video.

    references_sheet.py OUT.png FRAMES LABEL=VIDEO [LABEL=VIDEO ...]

FRAMES is a comma-separated list of frame numbers; every video is decoded by OpenCV and each
chosen frame shrunk to 256x144.
"""
import sys

import cv2
import numpy as np

W, H = 256, 144


def frames_of(path, wanted):
    cap = cv2.VideoCapture(path)
    out, i = {}, 0
    while len(out) < len(wanted):
        ok, frame = cap.read()
        if not ok:
            sys.exit(f"{path}: ends before frame {max(wanted)}")
        if i in wanted:
            out[i] = cv2.resize(frame, (W, H), interpolation=cv2.INTER_AREA)
        i += 1
    return out


def main():
    out_path, frames = sys.argv[1], [int(f) for f in sys.argv[2].split(",")]
    rows = []
    for arg in sys.argv[3:]:
        label, path = arg.split("=", 1)
        images = frames_of(path, set(frames))
        caption = np.full((H, 90, 3), 255, np.uint8)
        cv2.putText(caption, label, (5, H // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 1,
                    cv2.LINE_AA)
        rows.append(np.concatenate([caption] + [images[f] for f in frames], axis=1))
    cv2.imwrite(out_path, np.concatenate(rows, axis=0), [cv2.IMWRITE_PNG_COMPRESSION, 9])


if __name__ == "__main__":
    main()
