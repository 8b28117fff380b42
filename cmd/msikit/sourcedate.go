package main

import (
	"os"
	"strconv"
	"time"
)

// maxSourceDateEpoch is 9999-12-31T23:59:59Z: CycloneDX and SPDX times
// are RFC 3339, whose years have four digits.
const maxSourceDateEpoch = 253402300799

// sourceDateEpoch returns $SOURCE_DATE_EPOCH (seconds since 1970, the
// reproducible-builds convention) as a time, or the zero time when it is
// not set: the creation time sbom documents and generated transforms
// carry, so that the same inputs give the same bytes on a build server.
func sourceDateEpoch() (time.Time, error) {
	s := os.Getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		return time.Time{}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > maxSourceDateEpoch {
		return time.Time{}, usagef("SOURCE_DATE_EPOCH=%q: want a number of seconds since 1970, at most %d (9999-12-31T23:59:59Z)", s, int64(maxSourceDateEpoch))
	}
	return time.Unix(n, 0).UTC(), nil
}
