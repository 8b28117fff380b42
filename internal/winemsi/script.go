package winemsi

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/msikit/msikit/internal/wineoracle"
)

// Mode is how Open opens a database (MSIDBOPEN_*).
type Mode string

// The open modes.
const (
	ReadOnly Mode = "ro"       // MSIDBOPEN_READONLY: changes live in memory only
	Transact Mode = "transact" // MSIDBOPEN_TRANSACT: Commit writes the file
	Direct   Mode = "direct"   // MSIDBOPEN_DIRECT
	Create   Mode = "create"   // MSIDBOPEN_CREATE: a new, empty database
)

// Transform error-condition flags for Apply (MSITRANSFORM_ERROR_*), the
// low word of a transform's PID 16.
const (
	ErrorAddExistingRow   = 0x01
	ErrorDelMissingRow    = 0x02
	ErrorAddExistingTable = 0x04
	ErrorDelMissingTable  = 0x08
	ErrorUpdateMissingRow = 0x10
	ErrorChangeCodepage   = 0x20
	// ViewTransform fills the temporary _TransformView table with the
	// transform's contents instead of applying it.
	ViewTransform = 0x100
)

// A Script is a list of operations that one tool process runs in order on
// one database handle, so that a transform applied in memory can be
// queried and exported by the same process. Paths are host paths. Build
// it with the methods (each returns s) and run it with Tool.Run.
type Script struct {
	args     []string
	codepage int
}

func (s *Script) add(op string, args ...string) *Script {
	s.args = append(s.args, op)
	s.args = append(s.args, args...)
	return s
}

func win(path string) string { return wineoracle.WinPath(path) }

// String returns the operations as the tool's argument list.
func (s *Script) String() string { return "winemsi.exe " + strings.Join(s.args, " ") }

// Codepage sets the ANSI codepage of the tool process (through LC_ALL),
// which is the encoding msi.dll writes text in when it exports IDT files
// (MsiDatabaseExport converts to the process's ANSI codepage). The default
// is 1252.
func (s *Script) Codepage(cp int) *Script { s.codepage = cp; return s }

// Open opens path as the current database (MsiOpenDatabaseW).
func (s *Script) Open(path string, mode Mode) *Script { return s.add("open", win(path), string(mode)) }

// Apply applies a transform to the current database
// (MsiDatabaseApplyTransformW). transform is a file, or ":Name" for a
// substorage of the current database (an embedded transform). flags are
// the error conditions to suppress, or ViewTransform.
func (s *Script) Apply(transform string, flags int) *Script {
	if !strings.HasPrefix(transform, ":") {
		transform = win(transform)
	}
	return s.add("apply", transform, "0x"+strconv.FormatInt(int64(flags), 16))
}

// ApplyIfProduct applies a transform file as Apply does, but only when the
// original product code in its PID 9 equals the ProductCode property of
// the current database (as transformed so far); Output.Applied records
// the choice. This is how ApplyPatch picks a patch's transforms.
func (s *Script) ApplyIfProduct(transform string, flags int) *Script {
	return s.add("applyif", win(transform), "0x"+strconv.FormatInt(int64(flags), 16))
}

// Export exports tables of the current database as dir/TABLE.idt
// (MsiDatabaseExportW). With no tables it exports every table of
// _Tables, then _SummaryInformation and _ForceCodepage, and a table that
// fails goes to Output.NotExported instead of ending the script.
func (s *Script) Export(dir string, tables ...string) *Script {
	list := "*"
	if len(tables) > 0 {
		list = strings.Join(tables, ",")
	}
	return s.add("export", win(dir), list)
}

// Tables lists the rows of _Tables (Output.Tables).
func (s *Script) Tables() *Script { return s.add("tables") }

// Query runs a SELECT and adds its result to Output.Results.
func (s *Script) Query(sql string) *Script { return s.add("query", sql) }

// Exec executes an SQL statement (INSERT, UPDATE, CREATE TABLE, ...).
func (s *Script) Exec(sql string) *Script { return s.add("sql", sql) }

// Commit commits the current database (MsiDatabaseCommit).
func (s *Script) Commit() *Script { return s.add("commit") }

// Merge merges the database at path (opened read-only) into the current
// one (MsiDatabaseMergeW). errTable names the table that receives the
// conflicts ("" for none). Its return code goes to Output.Codes: 0, or
// ErrorFunctionFailed when rows conflict.
func (s *Script) Merge(path, errTable string) *Script {
	if errTable == "" {
		errTable = "-"
	}
	return s.add("merge", win(path), errTable)
}

// Import imports dir/file, an IDT file, into the current database
// (MsiDatabaseImportW).
func (s *Script) Import(dir, file string) *Script { return s.add("import", win(dir), file) }

// Generate calls MsiDatabaseGenerateTransformW(current, ref, out); out ""
// passes NULL (the "are they equal" form). Its return code goes to
// Output.Codes. Wine 8 returns ErrorCallNotImplemented and writes nothing.
func (s *Script) Generate(ref, out string) *Script {
	o := "-"
	if out != "" {
		o = win(out)
	}
	return s.add("generate", win(ref), o)
}

// TransformSummaryInfo calls MsiCreateTransformSummaryInfoW(current, ref,
// out, errorConditions, validation); its return code goes to Output.Codes.
// Wine 8 returns ErrorFunctionFailed.
func (s *Script) TransformSummaryInfo(ref, out string, errorConditions, validation int) *Script {
	return s.add("transforminfo", win(ref), win(out), strconv.Itoa(errorConditions), strconv.Itoa(validation))
}

// SummaryInfo reads the summary information of any compound file
// (MsiGetSummaryInformationW with a path: a package, transform or patch)
// into Output.SummaryInfo.
func (s *Script) SummaryInfo(path string) *Script { return s.add("suminfo", win(path)) }

// DatabaseSummaryInfo reads the current database's summary information
// into Output.SummaryInfo.
func (s *Script) DatabaseSummaryInfo() *Script { return s.add("dbsuminfo") }

// Extract copies the substorage name of the compound file at path (for
// example a transform inside a patch) into a new compound file out, with
// the substorage's CLSID (ole32 StgOpenStorage, CopyTo).
func (s *Script) Extract(path, name, out string) *Script {
	return s.add("extract", win(path), name, win(out))
}

// Storages lists the root's children of the compound file at path into
// Output.Elements.
func (s *Script) Storages(path string) *Script { return s.add("storages", win(path)) }

// Descriptor decomposes a darwin descriptor (MsiDecomposeDescriptorW) into
// Output.Descriptors.
func (s *Script) Descriptor(d string) *Script { return s.add("descriptor", d) }

// ICE opens the current database as a package and runs the custom action
// of that name (an ICE merged from a .cub) as msival2 does, collecting
// the ICE's messages in Output.ICELines and its return code in
// Output.Codes (Op "ice ACTION"). The 32-bit ICE DLLs need Wine's 32-bit
// side (Have32Bit); without it the call hangs.
func (s *Script) ICE(action string) *Script { return s.add("ice", action) }

// Decompose decomposes a darwin descriptor like Descriptor, but a
// descriptor msi.dll rejects does not stop the script: its return code is
// in the Output.Decomposed entry.
func (s *Script) Decompose(d string) *Script { return s.add("decompose", d) }

// MakeLink writes the shell link path (a host path) with shell32's
// IShellLinkW: target and arguments, and unless darwinID is "", an
// EXP_DARWIN_LINK data block holding it (IShellLinkDataList::AddDataBlock).
func (s *Script) MakeLink(path, target, args, darwinID string) *Script {
	if darwinID == "" {
		darwinID = "-"
	}
	return s.add("makelink", win(path), target, args, darwinID)
}

// ReadLink loads the shell link path with shell32 and reports its flags,
// darwin identifier and arguments in Output.Links.
func (s *Script) ReadLink(path string) *Script { return s.add("readlink", win(path)) }

// Close closes the current database.
func (s *Script) Close() *Script { return s.add("close") }

// Output is what a Script printed, in order of the operations.
type Output struct {
	Tables      []string       // from Tables
	Exported    []string       // tables exported, in order
	NotExported []Code         // tables an export of every table could not write: Op is the table
	Results     []Result       // one per Query
	SummaryInfo [][]Property   // one per SummaryInfo or DatabaseSummaryInfo
	Codes       []Code         // return codes of Merge, Generate, TransformSummaryInfo
	Applied     []bool         // one per ApplyIfProduct: applied or skipped
	Elements    []Element      // from Storages
	Descriptors []Descriptor   // one per Descriptor
	ICELines    [][]string     // the messages of ICE actions, split at tabs
	Decomposed  []Decomposed   // one per Decompose
	Links       []Link         // one per ReadLink
	Elapsed     time.Duration  // wall time of the tool process
	lines       []string       // everything, for error messages
	extra       map[string]int // unexpected line kinds
}

// A Result is the outcome of one Query. Fields hold the value as text
// (integers in decimal), with Null for a null field and "<stream N>" for a
// binary field of N bytes.
type Result struct {
	Columns []string
	Types   []string // column definitions as MsiViewGetColumnInfo gives them, e.g. "s72", "I2"
	Rows    [][]string
}

// Null is the field value of a null cell in a Result.
const Null = "\x00NULL"

// A Property is one summary information property.
type Property struct {
	ID    int
	Type  string // I2, I4, LPSTR, FILETIME (as 2006-01-02T15:04:05Z, UTC)
	Value string
}

// A Code is the return code of an operation that reports it.
type Code struct {
	Op   string
	Code uint32
}

// An Element is one child of a compound file's root storage.
type Element struct {
	Name  string // as stored (table streams are not unpacked)
	Type  string // storage or stream
	Size  int64
	CLSID string // {…}, all zero for most streams
}

// A Descriptor is a darwin descriptor as msi.dll decomposes it.
type Descriptor struct {
	Product, Feature, Component string
	Used                        int // characters of the input the descriptor spans
}

// A Decomposed is the outcome of one Decompose: msi.dll's return code
// (0 when the descriptor decomposed) and, when it did, the parts.
type Decomposed struct {
	Code uint32
	Descriptor
}

// A Link is a shell link as shell32 read it: its LinkFlags, the darwin
// identifier of its EXP_DARWIN_LINK block (Null when it has none) and its
// arguments.
type Link struct {
	Flags    uint32
	DarwinID string
	Args     string
}

// unescape undoes the tool's field escapes.
func unescape(f string) string {
	if f == `\N` {
		return Null
	}
	if !strings.Contains(f, `\`) {
		return f
	}
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '\\' || i+1 >= len(f) {
			b.WriteByte(c)
			continue
		}
		i++
		switch f[i] {
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'n':
			b.WriteByte('\n')
		case 'x':
			if i+2 < len(f) {
				if v, err := strconv.ParseUint(f[i+1:i+3], 16, 8); err == nil {
					b.WriteByte(byte(v))
					i += 2
					continue
				}
			}
			b.WriteString(`\x`)
		default:
			b.WriteByte(f[i])
		}
	}
	return b.String()
}

// parse reads the tool's output. A "fail" line becomes an *Error; output
// that does not end with "done" is an error too.
func parse(b []byte) (*Output, error) {
	out := &Output{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	done := false
	var cur *Result
	for sc.Scan() {
		line := sc.Text()
		out.lines = append(out.lines, line)
		f := strings.Split(line, "\t")
		for i := range f[1:] {
			f[i+1] = unescape(f[i+1])
		}
		switch f[0] {
		case "start": // the tool's first line (see Tool.RunWithin)
		case "done":
			done = true
		case "fail":
			if len(f) < 4 {
				return out, fmt.Errorf("winemsi: bad fail line %q", line)
			}
			code, _ := strconv.ParseUint(f[2], 10, 32)
			return out, &Error{Op: f[1], Code: uint32(code), Msg: f[3]}
		case "usage":
			return out, fmt.Errorf("winemsi: usage error: %s", strings.Join(f[1:], " "))
		case "table":
			out.Tables = append(out.Tables, f[1])
		case "exported":
			out.Exported = append(out.Exported, f[1])
		case "notexported":
			code, _ := strconv.ParseUint(f[2], 10, 32)
			out.NotExported = append(out.NotExported, Code{Op: f[1], Code: uint32(code)})
		case "cols":
			out.Results = append(out.Results, Result{Columns: f[1:]})
			cur = &out.Results[len(out.Results)-1]
		case "types":
			if cur != nil {
				cur.Types = f[1:]
			}
		case "row":
			if cur != nil {
				cur.Rows = append(cur.Rows, f[1:])
			}
		case "suminfo":
			out.SummaryInfo = append(out.SummaryInfo, []Property{})
		case "prop":
			if len(f) < 4 {
				return out, fmt.Errorf("winemsi: bad prop line %q", line)
			}
			if len(out.SummaryInfo) == 0 {
				return out, fmt.Errorf("winemsi: prop line before suminfo: %q", line)
			}
			id, _ := strconv.Atoi(f[1])
			last := &out.SummaryInfo[len(out.SummaryInfo)-1]
			*last = append(*last, Property{ID: id, Type: f[2], Value: f[3]})
		case "applyif":
			out.Applied = append(out.Applied, f[1] == "applied")
		case "iceline":
			if len(f) > 1 {
				out.ICELines = append(out.ICELines, strings.Split(f[1], "\t"))
			}
		case "ice":
			if len(f) < 3 {
				return out, fmt.Errorf("winemsi: bad ice line %q", line)
			}
			code, _ := strconv.ParseUint(f[2], 10, 32)
			out.Codes = append(out.Codes, Code{Op: "ice " + f[1], Code: uint32(code)})
		case "merge", "generate", "transforminfo":
			code, _ := strconv.ParseUint(f[1], 10, 32)
			out.Codes = append(out.Codes, Code{Op: f[0], Code: uint32(code)})
		case "element":
			if len(f) < 5 {
				return out, fmt.Errorf("winemsi: bad element line %q", line)
			}
			size, _ := strconv.ParseInt(f[3], 10, 64)
			out.Elements = append(out.Elements, Element{Name: f[1], Type: f[2], Size: size, CLSID: f[4]})
		case "descriptor":
			if len(f) < 5 {
				return out, fmt.Errorf("winemsi: bad descriptor line %q", line)
			}
			used, _ := strconv.Atoi(f[4])
			out.Descriptors = append(out.Descriptors, Descriptor{Product: f[1], Feature: f[2], Component: f[3], Used: used})
		case "decomposed":
			if len(f) < 6 {
				return out, fmt.Errorf("winemsi: bad decomposed line %q", line)
			}
			code, _ := strconv.ParseUint(f[1], 10, 32)
			used, _ := strconv.Atoi(f[5])
			out.Decomposed = append(out.Decomposed, Decomposed{Code: uint32(code), Descriptor: Descriptor{Product: f[2], Feature: f[3], Component: f[4], Used: used}})
		case "link":
			if len(f) < 4 {
				return out, fmt.Errorf("winemsi: bad link line %q", line)
			}
			flags, _ := strconv.ParseUint(f[1], 10, 32)
			out.Links = append(out.Links, Link{Flags: uint32(flags), DarwinID: f[2], Args: f[3]})
		default:
			if out.extra == nil {
				out.extra = map[string]int{}
			}
			out.extra[f[0]]++
		}
	}
	if err := sc.Err(); err != nil {
		return out, err
	}
	if !done {
		return out, fmt.Errorf("winemsi: the tool stopped before the end of its script")
	}
	return out, nil
}
