package cfb_test

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"strings"

	"github.com/msikit/msikit/cfb"
)

// Example writes a small compound file and reads it back.
func Example() {
	var buf bytes.Buffer
	w := cfb.NewWriter(&buf, nil)
	clsid, _ := cfb.ParseGUID("{000C1084-0000-0000-C000-000000000046}")
	w.SetRoot(cfb.Header{CLSID: clsid})
	data := "hello, compound file"
	if err := w.CreateFrom("docs/greeting", strings.NewReader(data), int64(len(data))); err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	r, err := cfb.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("root CLSID:", r.Root.CLSID)
	for _, e := range r.Entries()[1:] {
		fmt.Printf("%-8v %q\n", e.Type, e.Path)
	}
	s, err := r.Lookup("docs/greeting").Open()
	if err != nil {
		log.Fatal(err)
	}
	b, _ := io.ReadAll(s)
	fmt.Println(string(b))
	// Output:
	// root CLSID: {000C1084-0000-0000-C000-000000000046}
	// storage  "docs"
	// stream   "docs/greeting"
	// hello, compound file
}

// ExampleWriter_Copy repacks a compound file: every storage and stream is
// passed through with its metadata, and the bytes are copied at Close.
func ExampleWriter_Copy() {
	var src bytes.Buffer
	w := cfb.NewWriter(&src, nil)
	w.Mkdir("s", &cfb.Header{StateBits: 1})
	payload := strings.Repeat("x", 10000)
	w.CreateFrom("s/big", strings.NewReader(payload), int64(len(payload)))
	w.Close()

	r, err := cfb.NewReader(bytes.NewReader(src.Bytes()), int64(src.Len()))
	if err != nil {
		log.Fatal(err)
	}
	var dst bytes.Buffer
	w = cfb.NewWriter(&dst, &cfb.WriterOptions{Version: 4})
	if err := w.Copy(r.Root); err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	r2, err := cfb.NewReader(bytes.NewReader(dst.Bytes()), int64(dst.Len()))
	if err != nil {
		log.Fatal(err)
	}
	e := r2.Lookup("s/big")
	fmt.Println(r2.Version, r2.Lookup("s").StateBits, e.Size)
	// Output: 4 1 10000
}

// ExampleFiletime shows the exact FILETIME ticks and their time.Time.
func ExampleFiletime() {
	ft := cfb.Filetime(133000000001234567)
	fmt.Println(uint64(ft), ft.Time().Format("2006-01-02 15:04:05.0000000"))
	// Output: 133000000001234567 2022-06-18 04:26:40.1234567
}
