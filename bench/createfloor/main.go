//go:build linux

package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

func main() {
	dir := flag.String("dir", "/dev/shm/createfloor", "new folder to create the files in")
	n := flag.Int("n", 100000, "number of files")
	size := flag.Int("size", 1024, "bytes per file")
	jobs := flag.Int("jobs", 1, "goroutines creating files at once")
	flag.Parse()
	if err := os.Mkdir(*dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "createfloor:", err)
		os.Exit(1)
	}
	defer os.RemoveAll(*dir)
	dfd, err := syscall.Open(*dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "createfloor:", err)
		os.Exit(1)
	}
	data := make([]byte, *size)
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, *jobs)
	for j := range *jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := make([]byte, 0, 32)
			for i := j; i < *n; i += *jobs {
				name = strconv.AppendInt(append(name[:0], "Binary.s"...), int64(i), 10)
				fd, err := syscall.Openat(dfd, string(name), syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, 0o666)
				if err == nil && len(data) > 0 {
					_, err = syscall.Write(fd, data)
				}
				if err == nil {
					err = syscall.Close(fd)
				}
				if err != nil {
					errs[j] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	for _, err := range errs {
		if err != nil {
			fmt.Fprintln(os.Stderr, "createfloor:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("%d files of %d bytes on %d goroutines: %v\n", *n, *size, *jobs, elapsed.Round(time.Millisecond))
}
