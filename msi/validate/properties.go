package validate

// reservedProperties are the properties Windows Installer reserves
// (ICE99): those its Property Reference documents, except the folder
// properties, SourceDir and TARGETDIR, which name directories on purpose;
// CustomActionData; and the private and older names darice.cub's
// _MSIPubProps table adds (WindowsVolume among them: WiX's standard
// directory of that name draws ICE99 too). A directory of one of these
// names is set by the installer, not by the Directory table.
// TestReservedPropertiesMatchDarice compares the list with the cub's.
var reservedProperties = setOf(
	// Component location
	"OriginalDatabase", "ParentOriginalDatabase",
	// Configuration
	"ACTION", "ALLUSERS", "ARPAUTHORIZEDCDFPREFIX", "ARPCOMMENTS", "ARPCONTACT", "ARPINSTALLLOCATION",
	"ARPNOMODIFY", "ARPNOREMOVE", "ARPNOREPAIR", "ARPPRODUCTICON", "ARPREADME", "ARPSIZE",
	"ARPSYSTEMCOMPONENT", "ARPURLINFOABOUT", "ARPURLUPDATEINFO", "AVAILABLEFREEREG", "CCP_DRIVE",
	"DefaultUIFont", "DISABLEADVTSHORTCUTS", "DISABLEMEDIA", "DISABLEROLLBACK", "EXECUTEACTION",
	"EXECUTEMODE", "FASTOEM", "INSTALLLEVEL", "LIMITUI", "LOGACTION", "MEDIAPACKAGEPATH",
	"MSIARPSETTINGSIDENTIFIER", "MSIDISABLEEEUI", "MSIFASTINSTALL", "MSIINSTALLPERUSER",
	"MSINODISABLEMEDIA", "MSIENFORCEUPGRADECOMPONENTRULES", "MSIUNINSTALLSUPERSEDEDCOMPONENTS",
	"PRIMARYFOLDER", "Privileged", "PROMPTROLLBACKCOST", "REBOOT", "REBOOTPROMPT", "ROOTDRIVE", "SEQUENCE",
	"SHORTFILENAMES", "TRANSFORMS", "TRANSFORMSATSOURCE", "TRANSFORMSSECURE", "MsiLogFileLocation",
	"MsiLogging", "MSIUSEREALADMINDETECTION",
	// Date and time
	"Date", "Time",
	// Feature installation options
	"ADDDEFAULT", "ADDLOCAL", "ADDSOURCE", "ADVERTISE", "COMPADDDEFAULT", "COMPADDLOCAL", "COMPADDSOURCE",
	"FILEADDDEFAULT", "FILEADDLOCAL", "FILEADDSOURCE", "MSIDISABLELUAPATCHING", "MsiPatchRemovalList",
	"MSIRESTARTMANAGERCONTROL", "MSIDISABLERMRESTART", "MSIRMSHUTDOWN", "MSIPATCHREMOVE", "PATCH",
	"REINSTALL", "REINSTALLMODE", "REMOVE",
	// Hardware
	"Alpha", "BorderSide", "BorderTop", "CaptionHeight", "ColorBits", "Intel", "Intel64", "Msix64",
	"PhysicalMemory", "ScreenX", "ScreenY", "TextHeight", "VirtualMemory",
	// Installation status
	"AFTERREBOOT", "CostingComplete", "Installed", "MSICHECKCRCS", "MsiRestartManagerSessionKey",
	"MsiRunningElevated", "MsiSystemRebootPending", "MsiUIHideCancel", "MsiUIProgressOnly",
	"MsiUISourceResOnly", "NOCOMPANYNAME", "NOUSERNAME", "OutOfDiskSpace", "OutOfNoRbDiskSpace",
	"Preselected", "PrimaryVolumePath", "PrimaryVolumeSpaceAvailable", "PrimaryVolumeSpaceRemaining",
	"PrimaryVolumeSpaceRequired", "ProductLanguage", "ReplacedInUseFiles", "RESUME", "RollbackDisabled",
	"UILevel", "UpdateStarted", "UPGRADINGPRODUCTCODE", "VersionMsi",
	// Operating system
	"AdminUser", "ComputerName", "MsiNetAssemblySupport", "MsiNTProductType", "MsiNTSuiteBackOffice",
	"MsiNTSuiteDataCenter", "MsiNTSuiteEnterprise", "MsiNTSuitePersonal", "MsiNTSuiteSmallBusiness",
	"MsiNTSuiteSmallBusinessRestricted", "MsiNTSuiteWebServer", "MsiTabletPC", "MsiWin32AssemblySupport",
	"OLEAdvtSupport", "RedirectedDllSupport", "RemoteAdminTS", "ServicePackLevel", "ServicePackLevelMinor",
	"SharedWindows", "ShellAdvtSupport", "SystemLanguageID", "TerminalServer", "TTCSupport", "Version9X",
	"VersionDatabase", "VersionNT", "VersionNT64", "WindowsBuild",
	// Product information
	"ARPHELPLINK", "ARPHELPTELEPHONE", "DiskPrompt", "IsAdminPackage", "LeftUnit", "Manufacturer",
	"MediaSourceDir", "MSIINSTANCEGUID", "MSINEWINSTANCE", "ParentProductCode", "PIDTemplate",
	"ProductCode", "ProductName", "ProductState", "ProductVersion", "UpgradeCode",
	// Summary information update
	"PATCHNEWPACKAGECODE", "PATCHNEWSUMMARYCOMMENTS", "PATCHNEWSUMMARYSUBJECT",
	// User information
	"AdminProperties", "COMPANYNAME", "LogonUser", "MsiHiddenProperties", "PIDKEY", "ProductID",
	"UserLanguageID", "USERNAME", "UserSID",
	// Set for deferred custom actions (the ICE99 documentation's example)
	"CustomActionData",
	// Private and older names that darice.cub's _MSIPubProps also lists
	"ALL", "ALLOWSUSPEND", "AMD64", "CARRYINGNDP", "CCPTrigger", "CLIENTPROCESSID", "CLIENTUILEVEL",
	"CURRENTDIRECTORY", "CURRENTMEDIAVOLUMELABEL", "DATABASE", "DateTime", "DiskSerial", "EnableUserControl",
	"IA64", "MIGRATE", "MSIPACKAGEDOWNLOADLOCALCOPY", "MSIPATCHDOWNLOADLOCALCOPY", "MsiAMD64",
	"MsiUIUACOnly", "NONE", "ODBCREINSTALL", "PRODUCTLANGUAGE", "PackageCode", "PackagecodeChanging",
	"PatchedProductCode", "PatchedProductSourceList", "ProductToBeRegistered", "QFEUpgrade", "RUNONCEENTRY",
	"RecacheTransforms", "RestrictedUserControl", "SCRIPT", "SCRIPTFILE", "SECONDSEQUENCE", "SOURCELIST",
	"SecureCustomProperties", "SourceResFailedInUnreg", "SourcedirProduct", "TextHeightCorrection",
	"URTREINSTALL", "URTUPGRADE", "Version95", "VersionHandler", "WIN9XPROFILESENABLED", "WindowsVolume", "x64",
)

// ice99: no Directory key is a property the installer reserves.
func ice99(c *checker) {
	for _, k := range c.directories().order {
		if inSet(reservedProperties, k) {
			c.report(Error, "Directory", "Directory", []string{k}, "The directory name %s is the same as one of the MSI Public Properties and can cause unforeseen side effects", quote(k))
		}
	}
}
