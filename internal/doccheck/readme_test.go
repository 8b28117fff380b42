package doccheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readmeCommands maps each README section that documents commands to the
// commands it documents. Every command msikit lists must be in one
// section, and every section must exist.
var readmeCommands = map[string][]string{
	"cfb commands":       {"cfb ls", "cfb cat", "cfb repack"},
	"msi read commands":  {"info", "tables", "export", "streams", "cat"},
	"msi write commands": {"import", "repack"},
	"signatures":         {"verify", "sign"},
	"extract":            {"extract"},
	"sbom":               {"sbom"},
	"rewrite":            {"rewrite"},
	"diff":               {"diff"},
	"apply":              {"apply"},
	"validate":           {"validate"},
	"audit":              {"audit"},
	"descriptors":        {"descriptor decode", "descriptor encode"},
	"log explain":        {"log explain"},
}

// undocumented are the commands without flags of their own, which need no
// README section.
var undocumented = []string{"version", "help"}

// buildMsikit builds cmd/msikit into a temporary folder and returns its
// path.
func buildMsikit(t *testing.T) string {
	t.Helper()
	root, _ := moduleRoot(t)
	// go test puts its own toolchain first on the PATH of test binaries.
	bin := filepath.Join(t.TempDir(), "msikit")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/msikit")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/msikit: %v\n%s", err, out)
	}
	return bin
}

// helpText runs "msikit help ARGS..." and returns its standard output.
func helpText(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, append([]string{"help"}, args...)...).Output()
	if err != nil {
		t.Fatalf("msikit help %s: %v", strings.Join(args, " "), err)
	}
	return string(out)
}

var (
	commandLine = regexp.MustCompile(`(?m)^\t(\S+)\s+\S`)
	flagLine    = regexp.MustCompile(`(?m)^\s+(?:-([a-zA-Z0-9]), )?--([a-z0-9][a-z0-9-]*)\b`)
	flagToken   = regexp.MustCompile("(?:^|[\\s`\\[|(,])--([a-z][a-z0-9-]*)")
)

// section returns the text between the README's section markers.
func section(t *testing.T, readme, name string) string {
	t.Helper()
	start := "<!-- section: " + name + " -->"
	end := "<!-- end: " + name + " -->"
	i, j := strings.Index(readme, start), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no section %q (markers %q ... %q)", name, start, end)
	}
	return readme[i+len(start) : j]
}

// commandPart returns what a section with several commands says about
// command c: the example lines running "msikit c" and the list item that
// starts with the command's name ("- `export FILE ...`", "- `ls` prints").
// A section about one command is all about it.
func commandPart(text, c string, alone bool) string {
	if alone {
		return text
	}
	fields := strings.Fields(c)
	last := fields[len(fields)-1]
	var b strings.Builder
	inItem := false
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "- `"+last+" ") || strings.HasPrefix(line, "- `"+last+"`"):
			inItem = true
		case strings.HasPrefix(line, "- ") || strings.TrimSpace(line) == "" || strings.HasPrefix(line, "```"):
			inItem = false
		}
		if inItem || strings.Contains(line, "msikit "+c+" ") {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// listedCommands returns the command list of a help text (its lines
// "\tNAME  description" after "Commands:").
func listedCommands(help string) []string {
	_, list, ok := strings.Cut(help, "Commands:\n\n")
	if !ok {
		return nil
	}
	list, _, _ = strings.Cut(list, "\n\n")
	var names []string
	for _, m := range commandLine.FindAllStringSubmatch(list, -1) {
		names = append(names, m[1])
	}
	return names
}

// TestReadmeFlags checks the README against msikit's own help: every
// command is documented in one section, every flag of a command appears
// in its section (long form, or short form), and every --flag a section
// mentions belongs to one of its commands. A flag added, renamed or
// removed without its documentation fails here.
func TestReadmeFlags(t *testing.T) {
	root, _ := moduleRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	bin := buildMsikit(t)

	var all []string
	for _, c := range listedCommands(helpText(t, bin)) {
		sub := listedCommands(helpText(t, bin, c))
		if len(sub) == 0 {
			all = append(all, c)
		}
		for _, s := range sub {
			all = append(all, c+" "+s)
		}
	}
	if len(all) < 10 {
		t.Fatalf("msikit help lists only %q: the parsing is broken", all)
	}
	var documented []string
	for _, cmds := range readmeCommands {
		documented = append(documented, cmds...)
	}
	documented = append(documented, undocumented...)
	sort.Strings(all)
	sort.Strings(documented)
	if diff := cmp.Diff(all, documented); diff != "" {
		t.Errorf("commands msikit lists (-) vs commands the README sections cover (+):\n%s", diff)
	}

	for name, cmds := range readmeCommands {
		t.Run(name, func(t *testing.T) {
			text := section(t, readme, name)
			mentioned := map[string]bool{}
			for _, m := range flagToken.FindAllStringSubmatch(text, -1) {
				mentioned[m[1]] = true
			}
			own := map[string]bool{}
			for _, c := range cmds {
				part := commandPart(text, c, len(cmds) == 1)
				if part == "" {
					t.Errorf("README section %q says nothing about msikit %s (no example line, no list item)", name, c)
				}
				inPart := map[string]bool{}
				for _, m := range flagToken.FindAllStringSubmatch(part, -1) {
					inPart[m[1]] = true
				}
				help := helpText(t, bin, strings.Fields(c)...)
				_, flags, ok := strings.Cut(help, "\nFlags:\n")
				if !ok {
					t.Fatalf("msikit help %s has no Flags section", c)
				}
				flags, _, _ = strings.Cut(flags, "\n\n")
				for _, m := range flagLine.FindAllStringSubmatch(flags, -1) {
					short, long := m[1], m[2]
					own[long] = true
					if long == "help" {
						continue
					}
					if inPart[long] {
						continue
					}
					if short != "" && regexp.MustCompile("(?:^|[\\s`\\[|(])-"+short+"\\b").MatchString(part) {
						continue
					}
					t.Errorf("msikit %s --%s is not in what the README section %q says about it", c, long, name)
				}
			}
			var stray []string
			for f := range mentioned {
				if !own[f] {
					stray = append(stray, "--"+f)
				}
			}
			slices.Sort(stray)
			if len(stray) > 0 {
				t.Errorf("README section %q mentions %v, which none of %q has", name, stray, cmds)
			}
		})
	}
}
