package msilog

// A Pattern is a kind of log line (or pair of lines) Explain recognises,
// with what it means, what to do and where that comes from.
type Pattern struct {
	ID      string
	Example string // a short example of the line
	Meaning string
	Remedy  string
	Source  string
}

// Sources the patterns cite.
const (
	srcReturnValues = "Microsoft, \"Logging of Action Return Values\" (learn.microsoft.com/windows/win32/msi/logging-of-action-return-values); Wine 8 writes 1 for success and 0 for failure (seen in its logs)"
	srcErrors       = "Microsoft, \"Windows Installer Error Messages\" and \"Error Codes\" (learn.microsoft.com/windows/win32/msi/windows-installer-error-messages, .../error-codes)"
	srcBroken       = "Microsoft, \"Searching for a Broken Feature or Component\" (learn.microsoft.com/windows/win32/msi/searching-for-a-broken-feature-or-component)"
	srcDescriptor   = "Microsoft, \"MsiProvideComponentFromDescriptor\" and \"MsiProvideComponent\" (learn.microsoft.com/windows/win32/api/msi/)"
	srcProxy        = "Remko Weijnen, \"Windows Installer proxy information not correctly registered\" (2009, remkoweijnen.nl): STATUS_HIVE_UNLOADED under the installing account"
	srcCache        = "Heath Stewart (Microsoft), \"Changes to Package Caching in Windows Installer 5.0\" (2009, devblogs.microsoft.com/setup)"
	srcUpgradeLog   = "Robert Flaming (Microsoft), \"Troubleshooting: where's my upgrade section of an install log\" (Windows Installer team blog)"
	srcAssembly     = "Microsoft, \"Windows Installer Error Messages\" (1935) and \"MsiAssemblyName Table\""
)

// Patterns lists every pattern Explain recognises.
var Patterns = []Pattern{
	{"action-failed", "Action ended 12:00:01: InstallFiles. Return value 3.",
		"the action failed: Windows Installer writes 3 for ERROR_INSTALL_FAILURE (Wine writes 0); the first failing action is where the install broke, and rollback follows",
		"read the lines just before it: the error the action met is logged there", srcReturnValues},
	{"result", "MainEngineThread is returning 1603",
		"the result of the whole install, as msiexec returns it (0 success, 1602 cancelled, 1603 fatal error, 3010 success with a restart needed)",
		"look for the first failing action and the errors before it", srcErrors},
	{"error", "Error 1311. Source file not found(cabinet): D:\\data1.cab.",
		"an error message; the number says what went wrong (the table of codes below)", "see the code's remedy", srcErrors},
	{"assembly-error", "Error 1935. An error occurred during the installation of assembly 'Contoso.Core,version=\"1.0.0.0\",culture=\"neutral\"' ... HRESULT: 0x80131047.",
		"the global assembly cache refused an assembly; the log names the identity Windows Installer built from MsiAssemblyName and the HRESULT (0x80131047 is FUSION_E_INVALID_NAME: an identity with an empty value or processorArchitecture=neutral)",
		"author the identity the assembly's metadata holds (msikit rewrite --assembly-names), or fix what the HRESULT names", srcAssembly},
	{"custom-action", "CustomAction SetupDb returned actual error code 1603",
		"a custom action failed with that code", "run the custom action's own logging, or read the error lines before it", srcReturnValues},
	{"descriptor", "Entering MsiProvideComponentFromDescriptor. Descriptor: ']gAVn-}f(ZXfeAR6.jiWORDFiles>P`os,1@SW=P7v6GPl]Xh, PathBuf: ...",
		"an advertised entry point asked for its component: the descriptor names the product, the feature whose health Windows Installer checks, and the component",
		"with --package, the feature's health check and the component's key path are named", srcDescriptor},
	{"detection-request", "Detection of product '{...}', feature 'MyFeature' failed during request for component '{...}'",
		"an advertised entry point (asking for this component) started a health check of the feature, and the check failed: a repair follows",
		"find the matching detection-component line: it names the component whose key path is missing", srcBroken},
	{"detection-component", "Detection of product '{...}', feature 'MyFeature', component '{...}' failed. The resource 'C:\\...' does not exist.",
		"this component's key path is missing: it is what the repair reinstalls, every time if the key path can never exist",
		"restore the resource, or fix the component's key path in the package (msikit audit lists key path problems)", srcBroken},
	{"proxy-hive-unloaded", "Windows Installer proxy information not correctly registered / Failed to connect to server. Error: 0x80004005",
		"msiexec could not reach the Windows Installer service (1601 or 1603): the installing account's registry hive was unloaded (STATUS_HIVE_UNLOADED), typically by the User Profile Service after the account logged off while a deployment tool kept using it",
		"keep the profile loaded for the install (the \"Do not forcefully unload the users registry at user logoff\" policy) or install as SYSTEM; rerun", srcProxy},
	{"cached-package", "Package we're running from ==> C:\\Windows\\Installer\\5f3a2.msi",
		"which package Windows Installer runs: the original, or its cached copy in %WINDIR%\\Installer (used for repair and uninstall)",
		"", srcUpgradeLog},
	{"cached-package-unverified", "MSI_LUA: (continued)... packagepath = , packagesource = ,",
		"the elevation prompt found no verifiable package: before Windows Installer 5 the cached copy lost its embedded cabinets and with them its signature (\"Unidentified Publisher\" on repair and uninstall); a package changed after signing shows the same",
		"on Windows 7 and later the whole package is cached; a package rewritten after signing needs a new signature (msikit sign)", srcCache},
	{"source-missing", "Error 1706. An installation package for the product ... cannot be found.",
		"a repair or on-demand install needs the original source (an external cabinet, an uncompressed file, or a cached package stripped of its cabinets) and cannot find it",
		"make the source available (the original package path or the SOURCELIST), or rewrite the package so that no health check repairs it (msikit audit)", srcErrors},
}

// errorCodes are the meanings of the error numbers Explain names.
var errorCodes = map[int]string{
	1311: "a source file (in a cabinet) was not found: a missing external cabinet or source media",
	1601: "the Windows Installer service could not be accessed",
	1602: "the user cancelled the installation",
	1603: "fatal error during installation",
	1605: "the product is not installed",
	1612: "the installation source is not available",
	1618: "another installation is already in progress",
	1619: "the installation package could not be opened",
	1620: "the installation package could not be opened: not a valid package",
	1625: "the installation is forbidden by system policy",
	1638: "another version of this product is already installed",
	1706: "no valid source could be found for the product (repair or install on demand without the original package)",
	1714: "the older version could not be removed",
	1721: "a program run as a custom action could not be run",
	1722: "a program run as a custom action failed",
	1723: "a DLL needed by a custom action could not be run",
	1920: "a service failed to start",
	1935: "an assembly could not be installed into the global assembly cache",
	1938: "an assembly could not be installed (Win32 side by side)",
	2203: "the database could not be opened",
	2755: "the server returned an unexpected error attempting to install the package",
	3010: "success; a restart is required to finish",
}

// benignInternal are internal error numbers written during normal
// operation (a stream or table the package does not have).
var benignInternal = map[int]bool{2205: true, 2228: true, 2262: true}

// hresults names the HRESULTs of assembly errors.
var hresults = map[string]string{
	"0x80131047": "FUSION_E_INVALID_NAME: the assembly identity is invalid (an empty value, or processorArchitecture=neutral)",
	"0x80070005": "E_ACCESSDENIED: access denied",
	"0x80131040": "FUSION_E_REF_DEF_MISMATCH: the identity does not match the assembly's manifest",
	"0x8007000b": "COR_E_BADIMAGEFORMAT: the file is not a valid assembly",
	"0x80070002": "ERROR_FILE_NOT_FOUND: the assembly file was not found",
}
