package fuzz

import (
	"bytes"
	"compress/flate"
	"fmt"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/transform"
)

// Hostile content that commands parse inside the package: manifests,
// PE images, conditions and formatted text.

// mszipBest deflates data as one MSZIP block at the best compression
// (mszipBlock's fast level leaves periodic text four times larger).
func mszipBest(data, dict []byte) []byte {
	var b bytes.Buffer
	b.WriteString("CK")
	w, _ := flate.NewWriterDict(&b, flate.BestCompression, dict)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// manifestFloodBlocks is the number of 32 KiB blocks of one flood
// manifest: 4 MiB, assembly.MaxManifest, the most the pass parses.
const manifestFloodBlocks = 128

// buildManifestXMLFlood embeds one MSZIP folder of 16 Win32 manifests
// per scale (176 at 5 MB), each the File_Manifest of an MsiAssembly row:
// 4 MiB of "<assembly>" and entity references ("&amp;aaa" again and
// again) that never reach an assemblyIdentity, 9 KB each compressed.
// Beside them, a stored folder of 270 KB per scale past the first of
// bytes no row reads raises install's ratio bound (256 MiB plus 100
// times the cabinet) so that every manifest is delivered: 740 MB of XML
// at 5 MB, which the assembly-names pass (rewrite, audit) parsed whole,
// 10.8 s of CPU.
func buildManifestXMLFlood(t testing.TB, scale int) []byte {
	n := 16 * scale
	const unit = "&amp;aaa"
	first := "<assembly>" + strings.Repeat("a", len(unit)-len("<assembly>")%len(unit))
	first += strings.Repeat(unit, (cabBlockSize-len(first))/len(unit))
	rest := []byte(strings.Repeat(unit, cabBlockSize/len(unit)))
	if len(first) != cabBlockSize || len(rest) != cabBlockSize {
		t.Fatalf("blocks of %d and %d bytes", len(first), len(rest))
	}
	firstAfterRest := cabBlockSpec{data: mszipBest([]byte(first), rest), uncomp: cabBlockSize}
	restAfterFirst := cabBlockSpec{data: mszipBest(rest, []byte(first)), uncomp: cabBlockSize}
	restAfterRest := cabBlockSpec{data: mszipBest(rest, rest), uncomp: cabBlockSize}
	return buildPackage(t, func(p *pkgBuilder) {
		p.row("Directory", str("TARGETDIR"), msi.Value{}, str("SourceDir"))
		fo := cabFolderSpec{method: cabMSZIP}
		c := &cabSpecX{setID: 1}
		const size = manifestFloodBlocks * cabBlockSize
		for f := range n {
			if f == 0 {
				fo.blocks = append(fo.blocks, cabBlockSpec{data: mszipBest([]byte(first), nil), uncomp: cabBlockSize})
			} else {
				fo.blocks = append(fo.blocks, firstAfterRest)
			}
			fo.blocks = append(fo.blocks, restAfterFirst)
			for range manifestFloodBlocks - 2 {
				fo.blocks = append(fo.blocks, restAfterRest)
			}
			key, comp := fmt.Sprintf("m%d", f), fmt.Sprintf("A%d", f)
			c.files = append(c.files, cabFileEntry{name: key, size: size, offset: uint32(f * size)})
			p.row("Component", str(comp), str(""), str("TARGETDIR"), num(0), msi.Value{}, str(key))
			p.file(key, comp, key+".manifest", size, f+1)
			p.row("MsiAssembly", str(comp), str("Complete"), str(key), msi.Value{}, num(1))
		}
		c.folders = []cabFolderSpec{fo}
		if pad := (scale - 1) * 270_000; pad > 0 {
			noise := make([]byte, pad)
			x := uint32(1)
			for i := range noise {
				x ^= x << 13
				x ^= x >> 17
				x ^= x << 5
				noise[i] = byte(x)
			}
			pf := cabFolderSpec{method: cabNone}
			for off := 0; off < pad; off += cabBlockSize {
				end := min(off+cabBlockSize, pad)
				pf.blocks = append(pf.blocks, cabBlockSpec{data: noise[off:end], uncomp: end - off})
			}
			c.folders = append(c.folders, pf)
			c.files = append(c.files, cabFileEntry{name: "pad", size: uint32(pad), folder: 1})
			p.row("Component", str("PAD"), str(""), str("TARGETDIR"), num(0), msi.Value{}, str("pad"))
			p.file("pad", "PAD", "pad.bin", pad, n+1)
		}
		p.cabinet("#flood.cab", n+1, c)
	})
}

// The pass parses the first manifests and reports the others as not
// parsed, past the XML it parses for a package, in budget.
func checkManifestXMLFlood(t *testing.T, db *msi.Database) {
	var rep *transform.Report
	var err error
	testenv.CheckBudget(t, "AssemblyNames", func() {
		rep, err = transform.AssemblyNames(db, transform.AssemblyNamesOptions{})
	})
	if err != nil {
		t.Fatal(err)
	}
	var parsed, bounded int
	for _, n := range rep.Notes {
		switch {
		case strings.Contains(n.Reason, "bad XML"):
			parsed++
		case strings.Contains(n.Reason, "bytes of XML this pass parses"):
			bounded++
		default:
			t.Errorf("note %q: want a manifest parsed (bad XML) or not parsed (the bound)", n.Reason)
		}
	}
	if parsed == 0 || bounded == 0 || parsed+bounded != 16 {
		t.Errorf("%d manifests parsed, %d past the bound: want some of each, 16 in all", parsed, bounded)
	}
}
