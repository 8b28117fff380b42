package install_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"time"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
)

// Extracting the installed files from the package's embedded cabinet. The
// callback receives each file's resolved place in the install layout and
// its contents; here they are printed rather than written to disk.
func ExampleExtract() {
	db, err := msi.Open("../../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	rep, err := install.Extract(db, nil, func(f *install.File, r io.Reader) error {
		data, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		fmt.Printf("%s (%d bytes from %s)\n", f.Path, len(data), f.Cabinet)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("extracted", rep.Extracted, "problems", rep.Problems())
	// Output:
	// Program Files (x86)/SynthCorp/bin/comserver.dll (27 bytes from #synth.cab)
	// Program Files (x86)/SynthCorp/bin/comserver.tlb (18 bytes from #synth.cab)
	// Program Files (x86)/SynthCorp/bin/comlocal.exe (25 bytes from #synth.cab)
	// Program Files (x86)/SynthCorp/bin/app.exe (12 bytes from #synth.cab)
	// Program Files (x86)/SynthCorp/data/data1.txt (15 bytes from #synth.cab)
	// Program Files (x86)/SynthCorp/data/data2.txt (15 bytes from #synth.cab)
	// Program Files (x86)/SynthCorp/data/data3.txt (15 bytes from #synth.cab)
	// Program Files (x86)/SynthCorp/data/data4.txt (15 bytes from #synth.cab)
	// Program Files (x86)/SynthCorp/data/data5.txt (15 bytes from #synth.cab)
	// Program Files (x86)/SynthCorp/data/data6.txt (15 bytes from #synth.cab)
	// Program Files (x86)/SynthCorp/data/data7.txt (15 bytes from #synth.cab)
	// Program Files (x86)/SynthCorp/data/data8.txt (15 bytes from #synth.cab)
	// Program Files (x86)/SynthCorp/assemblies/Contoso.Core.dll (27 bytes from #synth.cab)
	// Program Files (x86)/SynthCorp/assemblies/Contoso.Neutral.dll (27 bytes from #synth.cab)
	// Program Files (x86)/SynthCorp/assemblies/Contoso.Good.dll (27 bytes from #synth.cab)
	// Program Files (x86)/SynthCorp/assemblies/Contoso.Win32.dll (23 bytes from #synth.cab)
	// Program Files (x86)/SynthCorp/assemblies/Contoso.Win32.manifest (96 bytes from #synth.cab)
	// extracted 17 problems false
}

// Extracting one file by its File table key, with the standard folder
// names of 32-bit Windows.
func ExampleOptions() {
	db, err := msi.Open("../../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	opts := &install.Options{Keys: []string{"app.exe"}, Layout: install.LayoutX86}
	_, err = install.Extract(db, opts, func(f *install.File, r io.Reader) error {
		data, err := io.ReadAll(r)
		fmt.Printf("%s %s %q\n", f.Key, f.Path, data)
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// app.exe Program Files/SynthCorp/bin/app.exe "MZ fake app\n"
}

// Extracting with a deadline, as a scanner reading untrusted packages
// does: once the context is done, decoding stops within a cabinet block
// (32 KiB), even inside one file of gigabytes, and ExtractContext returns
// a *StopError that says where. Here the budget is one file: the
// callback cancels after the first.
func ExampleExtractContext() {
	db, err := msi.Open("../../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ctx, stop := context.WithCancelCause(ctx)
	rep, err := install.ExtractContext(ctx, db, nil, func(f *install.File, r io.Reader) error {
		n, err := io.Copy(io.Discard, r)
		fmt.Println(f.Key, n, "bytes")
		stop(errors.New("one file is enough"))
		return err
	})
	var se *install.StopError
	if errors.As(err, &se) {
		fmt.Println(rep.Extracted, "extracted;", err)
	}
	// Output:
	// comserver.dll 27 bytes
	// 1 extracted; install: stopped at File "comserver.tlb" (cabinet "#synth.cab"): one file is enough
}

// Listing a package's files and then extracting them, the Directory tree
// resolved once: every File row is known (here, counted) before its
// contents come, as an inventory needs.
func ExamplePlan() {
	db, err := msi.Open("../../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	plan, err := install.NewPlan(db, &install.Options{Keys: []string{"app.exe", "data1.txt"}})
	if err != nil {
		log.Fatal(err)
	}
	listed := 0
	for f := range plan.Files() {
		fmt.Println("listed", f.Path)
		listed++
	}
	rep, err := plan.ExtractContext(context.Background(), func(f *install.File, r io.Reader) error {
		n, err := io.Copy(io.Discard, r)
		fmt.Println("read", f.Key, n, "bytes")
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rep.Extracted, "of", listed, "extracted")
	// Output:
	// listed Program Files (x86)/SynthCorp/bin/app.exe
	// listed Program Files (x86)/SynthCorp/data/data1.txt
	// read app.exe 12 bytes
	// read data1.txt 15 bytes
	// 2 of 2 extracted
}
