package cab_test

import (
	"errors"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/msikit/msikit/cab"
)

func ExampleNewReader() {
	f, err := os.Open("testdata/mszip.cab")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		log.Fatal(err)
	}
	r, err := cab.NewReader(f, fi.Size())
	if err != nil {
		log.Fatal(err)
	}
	for _, fo := range r.Folders {
		fmt.Printf("folder: %v, %d blocks\n", fo.Method, fo.NumBlocks)
	}
	for _, file := range r.Files {
		rc, err := file.Open()
		if err != nil {
			log.Fatal(err)
		}
		n, err := io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %d bytes (read %d)\n", file.Name, file.Size, n)
	}
	// Output:
	// folder: MSZIP, 4 blocks
	// hello.txt: 14 bytes (read 14)
	// rows.txt: 100893 bytes (read 100893)
}

func ExampleOpenReader() {
	rc, err := cab.OpenReader("testdata/stored.cab")
	if err != nil {
		log.Fatal(err)
	}
	defer rc.Close()
	f := rc.Files[0]
	r, err := f.Open()
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %q\n", f.Name, b)
	// Output:
	// hello.txt "hello cabinet\n"
}

// A program reading many cabinets one after another shares one
// DecoderCache between their Readers: the decoders one cabinet's folders
// leave serve the next cabinet's, so memory does not grow with the
// number of cabinets.
func ExampleDecoderCache() {
	var cache cab.DecoderCache
	for _, name := range []string{"testdata/mszip.cab", "testdata/stored.cab", "testdata/mszip.cab"} {
		f, err := os.Open(name)
		if err != nil {
			log.Fatal(err)
		}
		fi, err := f.Stat()
		if err != nil {
			log.Fatal(err)
		}
		r, err := cab.NewReaderOptions(f, fi.Size(), &cab.ReaderOptions{Cache: &cache})
		if err != nil {
			log.Fatal(err)
		}
		total := int64(0)
		for _, file := range r.Files {
			rc, err := file.Open()
			if err != nil {
				log.Fatal(err)
			}
			n, err := io.Copy(io.Discard, rc)
			rc.Close()
			if err != nil {
				log.Fatal(err)
			}
			total += n
		}
		f.Close()
		fmt.Printf("%s: %d files, %d bytes\n", name, len(r.Files), total)
	}
	// Output:
	// testdata/mszip.cab: 2 files, 100907 bytes
	// testdata/stored.cab: 1 files, 14 bytes
	// testdata/mszip.cab: 2 files, 100907 bytes
}

// A Limit bounds what cabinets may decode to. Real cabinets decode to a
// few times their size, so a bound of 100 times the size plus some
// allowance stops only decompression bombs; here a limit of 64 KiB stops
// a cabinet of 7 KB that decodes to 100 KB.
func ExampleLimit() {
	f, err := os.Open("testdata/mszip.cab")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		log.Fatal(err)
	}
	lim := cab.NewLimit(64 << 10)
	r, err := cab.NewReaderOptions(f, fi.Size(), &cab.ReaderOptions{Limit: lim})
	if err != nil {
		log.Fatal(err)
	}
	for _, file := range r.Files {
		rc, err := file.Open()
		if err != nil {
			log.Fatal(err)
		}
		n, err := io.Copy(io.Discard, rc)
		rc.Close()
		switch {
		case errors.Is(err, cab.ErrLimit):
			fmt.Printf("%s: %v\n", file.Name, err)
		case err != nil:
			log.Fatal(err)
		default:
			fmt.Printf("%s: %d bytes\n", file.Name, n)
		}
	}
	fmt.Printf("decoded %d of at most %d bytes\n", lim.Used(), lim.Max())
	// Output:
	// hello.txt: 14 bytes
	// rows.txt: cab: folder 0: decoding past offset 65536 would pass the decoding limit of 65536 bytes
	// decoded 65536 of at most 65536 bytes
}
