package classreg

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/internal/wineoracle"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/darwin"
)

// wineCase is a package installed under Wine before and after the pass.
type wineCase struct {
	name string
	file string // corpus path, or a path under testdata/ (starting "testdata/")
	// prepare edits the copy both packages are made from (with msibuild),
	// and lays out its source files.
	prepare func(t *testing.T, msibuild, dir, pkg string)
}

var wineCases = []wineCase{
	{
		// Built by testdata/gen-com64.sh: 64-bit components,
		// DefInprocHandler 1 and 3 and text, several FileTypeMask
		// patterns, a full AppId shared by two classes, a formatted local
		// server argument, no registry actions in the sequence.
		name:    "com64",
		file:    "testdata/com64.msi",
		prepare: func(t *testing.T, msibuild, dir, pkg string) {},
	},
	{
		name: "synth-com-advertised",
		file: "synthetic/synth-com-advertised.msi",
		prepare: func(t *testing.T, msibuild, dir, pkg string) {
			// The synthetic type library is not a real one, so Wine's
			// RegisterTypeLibraries fails the install; TypeLib is not
			// what this test is about, so both packages lose it.
			run(t, msibuild, pkg, "-q", "DROP TABLE `TypeLib`")
		},
	},
	{
		name: "wix-Class-OldClassTableDef",
		file: "real/wix-Class-OldClassTableDef.msi",
		prepare: func(t *testing.T, msibuild, dir, pkg string) {
			// Uncompressed package: its one file sits beside it.
			src := filepath.Join(dir, "MsiPackage")
			if err := os.MkdirAll(src, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(src, "ProgIdComp.txt"), []byte("ProgIdComp.txt\r\n\r\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		},
	},
	{
		// A real package built from a merge module (Wise, 2000): its
		// ModuleSignature table stays, every identifier has the module's
		// GUID suffix, its components are permanent (attribute 16) and
		// it is per user (no ALLUSERS). A class, a ProgId pair and an
		// extension with a verb are added to two of the module's
		// components; msiexec removes that registration with feature
		// Complete although the components stay.
		name: "vfp-VFPODBC-module",
		file: "real/vfp-VFPODBC.msi",
		prepare: func(t *testing.T, msibuild, dir, pkg string) {
			const s = ".981516B7_19F5_4A4C_97A4_5EF09A684662"
			const clsid = "{7E57C0DE-0D0D-4C1A-8000-000000000001}"
			tables := map[string]string{
				"Class.idt": "CLSID\tContext\tComponent_\tProgId_Default\tDescription\tAppId_\tFileTypeMask\tIcon_\tIconIndex\tDefInprocHandler\tArgument\tFeature_\tAttributes\r\n" +
					"s38\ts32\ts72\tS255\tL255\tS38\tS255\tS72\tI2\tS32\tS255\ts38\tI2\r\nClass\tCLSID\tContext\tComponent_\r\n" +
					clsid + "\tInprocServer32\tSystemFolder" + s + "\tVfp.Thing.1\tVfp Thing\t\t\t\t\t\t\tComplete\t\r\n",
				"ProgId.idt": "ProgId\tProgId_Parent\tClass_\tDescription\tIcon_\tIconIndex\r\ns255\tS255\tS38\tL255\tS72\tI2\r\nProgId\tProgId\r\n" +
					"Vfp.Thing.1\t\t" + clsid + "\tVfp Thing 1\t\t\r\nVfp.Thing\tVfp.Thing.1\t\tVfp Thing\t\t\r\n",
				"Extension.idt": "Extension\tComponent_\tProgId_\tMIME_\tFeature_\r\ns255\ts72\tS255\tS64\ts38\r\nExtension\tExtension\tComponent_\r\n" +
					"vfpt\tdrvvfp.chm" + s + "\tVfp.Thing.1\t\tComplete\r\n",
				"Verb.idt": "Extension_\tVerb\tSequence\tCommand\tArgument\r\ns255\ts32\tI2\tL255\tL255\r\nVerb\tExtension_\tVerb\r\n" +
					"vfpt\topen\t1\t&Open\t\"%1\"\r\n",
			}
			for name, text := range tables {
				f := filepath.Join(dir, name)
				if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				run(t, msibuild, pkg, "-i", f)
			}
		},
	},
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func copy(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// winePrefixes lists the registry keys (under HKLM) a package's
// registration can touch, in both registry views.
func winePrefixes(in *Input) []string {
	var keys []string
	for _, c := range in.Classes {
		keys = append(keys, `CLSID\`+c.CLSID, `FileType\`+c.CLSID)
	}
	for _, p := range in.ProgIDs {
		keys = append(keys, p.ProgID)
	}
	for _, a := range in.AppIDs {
		keys = append(keys, `AppID\`+a.AppID)
	}
	for _, e := range in.Extensions {
		keys = append(keys, "."+strings.TrimPrefix(e.Extension, "."))
	}
	for _, m := range in.MIMEs {
		keys = append(keys, `MIME\Database\Content Type\`+m.ContentType)
	}
	var out []string
	for _, k := range keys {
		out = append(out, `Software\Classes\`+k, `Software\Classes\Wow6432Node\`+k)
	}
	return out
}

// TestClassToRegistryWine installs each package and its rewrite under Wine
// and compares what they register. The registered values must be the same,
// except the darwin descriptors, which only the original may have, and the
// differences listed in wineNormalize (each a documented decision or Wine
// quirk). Uninstalling the rewrite must remove every key.
func TestClassToRegistryWine(t *testing.T) {
	t.Parallel() // Wine waits for its server much of the time; overlap the two Wine tests
	wine := testenv.NeedWine(t)
	msibuild := testenv.NeedTool(t, "msibuild", "msitools")
	ctx := context.Background()
	root := t.TempDir()
	pfx, err := wineoracle.Boot(ctx, wine, filepath.Join(root, "prefix"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { pfx.Close() }() // the prefix a retry booted, if any

	for _, tc := range wineCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(root, tc.name)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			orig := filepath.Join(dir, "original.msi")
			src := tc.file
			if !strings.HasPrefix(src, "testdata/") {
				src = corpusFile(t, tc.file) // skips without the corpus
			}
			copy(t, src, orig)
			tc.prepare(t, msibuild, dir, orig)

			in, rewritten := rewriteForWine(t, orig, dir)

			prefixes := winePrefixes(in)
			round := func(pkg string, installedCheck func()) (installed, removed []wineoracle.Entry) {
				t.Helper()
				if _, err := pfx.MsiExec(ctx, "/i", pkg); err != nil {
					t.Fatal(err)
				}
				if installed, err = pfx.Dump(prefixes...); err != nil {
					t.Fatal(err)
				}
				installedCheck()
				if _, err := pfx.MsiExec(ctx, "/x", pkg); err != nil {
					t.Fatal(err)
				}
				if removed, err = pfx.Dump(prefixes...); err != nil {
					t.Fatal(err)
				}
				return installed, removed
			}
			// The rewrite first, in a clean prefix: Wine's uninstall of the
			// original leaves ProgId keys behind, which would otherwise show
			// up in the rewrite's dumps.
			// com64.msi formats [ComputerName]: when an install ran
			// without it, both rounds are made again in a new prefix
			// (the original's uninstall left ProgId keys).
			var rewIn, rewOut, origIn, origOut []wineoracle.Entry
			wineoracle.Comparable(t, pfx, func() {
				rewIn, rewOut = round(rewritten, func() {
					// A DefaultIcon row names the icon PublishProduct
					// caches: the file must be there.
					for _, ic := range in.Icons {
						f := filepath.Join(pfx.Dir, "drive_c", "windows", "Installer", in.ProductCode, ic)
						if _, err := os.Stat(f); err != nil {
							t.Errorf("icon %s is not in the installer's icon cache after installing the rewrite: %v", ic, err)
						}
					}
				})
				origIn, origOut = round(orig, func() {})
			}, func() *wineoracle.Prefix {
				pfx.Close()
				if pfx, err = wineoracle.Boot(ctx, wine, filepath.Join(root, "prefix-"+tc.name)); err != nil {
					t.Fatal(err)
				}
				return pfx
			})
			if len(origIn) == 0 {
				t.Fatal("the original package registered nothing under Wine; the comparison would be empty")
			}

			// Darwin descriptors: only in the original, and they name
			// this product.
			descriptors := 0
			for _, e := range origIn {
				if e.Type == "REG_MULTI_SZ" && isDarwinValue(e.Value) {
					descriptors++
					d, _, err := darwin.Decode(strings.Split(e.Value, "|")[0])
					if err != nil || !strings.EqualFold(d.Product, in.ProductCode) {
						t.Errorf("descriptor %s in %s decodes to %+v, %v; want product %s", e.Value, e.Key, d, err, in.ProductCode)
					}
				}
			}
			t.Logf("original: %d entries, %d darwin descriptor values; rewrite: %d entries", len(origIn), descriptors, len(rewIn))
			for _, e := range rewIn {
				if isDarwinValue(e.Value) {
					t.Errorf("rewritten install has an advertised value: %s", e)
				}
			}
			want, got := wineNormalize(in, origIn, rewIn)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("registry after install (-original +rewritten):\n%s", diff)
			}
			if len(rewOut) != 0 {
				var s []string
				for _, e := range rewOut {
					s = append(s, e.String())
				}
				t.Errorf("uninstalling the rewrite left %d entries:\n%s", len(rewOut), strings.Join(s, "\n"))
			}
			if len(origOut) != 0 {
				t.Logf("uninstalling the original left %d entries (Wine's own quirk)", len(origOut))
			}
		})
	}
}

// wineNormalize returns the comparable lines of the two installs. From
// the original it removes the darwin-descriptor values and Wine's quirks;
// in both it rewrites what the pass writes differently on purpose:
//
//   - Local server paths are quoted by the pass ("path" args); Wine writes
//     them bare. Quotes around the first token are removed before comparing.
//   - Classes with the relative-path attribute get the file name only; Wine
//     ignores the attribute. The original's value is cut to its base name.
//   - Wine writes AppId ActivateAtStorage/RunAs for any non-null flag; the
//     pass only for non-zero ones. The original's values for zero flags go.
//   - Wine creates an empty key .ext\<ProgId>\ShellNew for every extension
//     with a ProgId; the pass does not (Windows does not either).
//   - Wine 8 redirects all of a 32-bit component's HKCR keys to
//     Classes\Wow6432Node, as Windows did before Windows 7, while its own
//     ProgId, extension and MIME registration goes to the 64-bit view.
//     Since Windows 7 only some Classes subkeys are redirected (CLSID,
//     Interface, DirectShow, Media Type, MediaFoundation); all others are
//     shared by both views, so for them the view is not compared. CLSID
//     keys are compared with their view.
func wineNormalize(in *Input, orig, rew []wineoracle.Entry) (want, got []string) {
	relative := map[string]bool{}
	for _, c := range in.Classes {
		if c.Attributes.Valid && c.Attributes.V&classRelativePath != 0 {
			relative[strings.ToLower(`\CLSID\`+c.CLSID+`\`+c.Context)] = true
		}
	}
	zeroFlag := map[string]bool{}
	for _, a := range in.AppIDs {
		if a.ActivateAtStorage.Valid && a.ActivateAtStorage.V == 0 {
			zeroFlag[strings.ToLower(`\AppID\`+a.AppID)+"\x00activateatstorage"] = true
		}
		if a.RunAsInteractiveUser.Valid && a.RunAsInteractiveUser.V == 0 {
			zeroFlag[strings.ToLower(`\AppID\`+a.AppID)+"\x00runas"] = true
		}
	}
	isLocalServer := func(key string) bool {
		k := strings.ToLower(key)
		return strings.HasSuffix(k, `\localserver32`) || strings.HasSuffix(k, `\localserver`)
	}
	unquote := func(v string) string {
		if strings.HasPrefix(v, `"`) {
			if i := strings.Index(v[1:], `"`); i >= 0 {
				return v[1:i+1] + v[i+2:]
			}
		}
		return v
	}
	for _, e := range orig {
		e.Key = sharedView(e.Key)
		k := strings.ToLower(e.Key)
		switch {
		case e.Type == "REG_MULTI_SZ" && isDarwinValue(e.Value):
			continue
		case e.IsKey() && strings.HasSuffix(k, `\shellnew`):
			continue
		case !e.IsKey() && strings.Contains(k, `\appid\`) && zeroFlag[k[strings.Index(k, `\appid\`):]+"\x00"+strings.ToLower(e.Name)]:
			continue
		}
		for suffix := range relative {
			if strings.HasSuffix(k, suffix) && e.Name == "(Default)" {
				e.Value = filepath.Base(strings.ReplaceAll(e.Value, `\`, "/"))
			}
		}
		want = append(want, e.String())
	}
	for _, e := range rew {
		e.Key = sharedView(e.Key)
		if !e.IsKey() && isLocalServer(e.Key) && e.Name == "(Default)" {
			e.Value = unquote(e.Value)
		}
		got = append(got, e.String())
	}
	return uniq(want), uniq(got)
}

// sharedView drops "Wow6432Node\" from a Classes key that Windows 7 and
// later share between the 32-bit and 64-bit views.
func sharedView(key string) string {
	const pre = `software\classes\wow6432node\`
	k := strings.ToLower(key)
	if !strings.HasPrefix(k, pre) {
		return key
	}
	rest := k[len(pre):]
	for _, redirected := range []string{"clsid", "interface", "directshow", "media type", "mediafoundation"} {
		if rest == redirected || strings.HasPrefix(rest, redirected+`\`) {
			return key
		}
	}
	return key[:len(`software\classes\`)] + key[len(pre):]
}

func uniq(s []string) []string {
	sort.Strings(s)
	return slices.Compact(s)
}

// rewriteForWine reads the pass's Input of package orig, runs the pass on
// it and saves the result as dir/rewritten.msi, for the Wine tests to
// install beside the original.
func rewriteForWine(t *testing.T, orig, dir string) (in *Input, rewritten string) {
	t.Helper()
	db, err := msi.Open(orig)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	in, err = readInput(db, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(db, Options{}); err != nil {
		t.Fatal(err)
	}
	rewritten = filepath.Join(dir, "rewritten.msi")
	if err := db.Save(rewritten, nil); err != nil {
		t.Fatal(err)
	}
	return in, rewritten
}
