package main

import (
	"os"
	"strconv"
	"time"
)

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
	if err != nil || n < 0 {
		return time.Time{}, usagef("SOURCE_DATE_EPOCH=%q: want a number of seconds since 1970", s)
	}
	return time.Unix(n, 0).UTC(), nil
}
