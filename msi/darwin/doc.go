// Package darwin encodes and decodes darwin descriptors: the compressed
// "product, feature, component" strings Windows Installer writes into
// advertised entry points, and reads the descriptor of an advertised
// shortcut out of its shell link (.lnk) file.
//
// # Where descriptors are
//
// When msiexec advertises an entry point it writes, instead of (or beside)
// a path, a descriptor naming the product, the feature to check and the
// component to return. Activating the entry point calls
// MsiProvideComponentFromDescriptor, which checks the feature's health
// (and repairs it when a key path is missing) before it returns the
// component's path. Descriptors are found
//
//   - in the REG_MULTI_SZ value named after a COM server context under
//     HKCR\CLSID\{clsid}\InprocServer32 (and LocalServer32, ...), one
//     descriptor per string (Class table);
//   - in the REG_MULTI_SZ value "command" beside the default value of
//     HKCR\<ProgId>\shell\<verb>\command, followed by a space and the
//     verb's arguments (Verb and Extension tables);
//   - in the DarwinDataBlock of an advertised shortcut's .lnk file
//     ([MS-SHLLINK] 2.5.3), with the arguments in the link's own
//     StringData (Shortcut table);
//   - in the values under Installer\Components\<packed component code>
//     that publish a qualified component, followed by the
//     PublishComponent row's AppData (PublishComponent table);
//   - in verbose logs and event log messages that quote them.
//
// # Format
//
// A descriptor is the product code in 20 base-85 digits, the feature name,
// then '>' and the component code in 20 digits, or '<' and no component.
// Each GUID's 16 bytes, in Windows memory layout, are read as four
// little-endian 32-bit words, each written as five digits, least
// significant first, in the alphabet
// !$%&'()*+,-.0123456789=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{}~.
// The feature name may be empty and the component may be left out (the
// short forms): a product with one feature need not name it, and a '<'
// descriptor lets Windows Installer take the feature's component. Wine's
// msiexec always writes the full form (checked: its verbs' descriptors are
// tested against Encode in the transform package).
//
// Encode, Decode and Parse agree with msi.dll's MsiDecomposeDescriptorW
// (Wine's implementation, run by internal/winemsi in the tests) on every
// descriptor a writer produces, including the short forms. Where they
// differ on malformed input, this package is stricter, on purpose:
//
//   - a 5-digit group whose value exceeds 32 bits (85^5 > 2^32; no
//     encoder produces one) is an error; Wine's decoder keeps its low 32
//     bits;
//   - the feature name ends at the first '<' or '>'; Wine looks for a '>'
//     anywhere after the product first, so a '<' descriptor followed by
//     arguments holding '>' decomposes differently there.
//
// # Shell links
//
// ReadShortcut parses a .lnk file as [MS-SHLLINK] lays it out (header,
// optional LinkTargetIDList and LinkInfo, StringData, ExtraData blocks)
// and returns the DarwinDataBlock's identifier with the link's strings.
// Every size is checked against the bytes that remain and a file larger
// than MaxShortcutSize is refused, so a hostile file costs at most that
// much memory and one pass over it. Wine 8's msiexec writes advertised
// shortcuts as plain links to the key file (no DarwinDataBlock), so the
// tests check the reader against links that Wine's shell32 writes with a
// darwin identifier (IShellLink::SetPath of the shell's advertise form;
// its IShellLinkDataList::AddDataBlock is a stub), and against links
// built field by field from the specification, which shell32 reads back.
// Two quirks of Wine's shell32 seen there: it counts and writes a NUL at
// the end of each StringData string (ReadShortcut drops it), and it takes
// the first extra data block of a link flagged HasDarwinID as the darwin
// block, wherever that block is.
//
// Errors about malformed input match ErrFormat (errors.Is) and are a
// *FormatError with the byte offset.
package darwin
