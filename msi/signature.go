package msi

// Names of the signature streams. Any change to a package invalidates them.
const (
	DigitalSignatureStream   = "\x05DigitalSignature"
	DigitalSignatureExStream = "\x05MsiDigitalSignatureEx"
)

// SignatureInfo says which signature streams a package has. Decoding and
// verifying the signature is the job of package
// github.com/msikit/msikit/msi/authenticode, which msi does not import.
type SignatureInfo struct {
	// Signed reports whether \x05DigitalSignature is present; Size is its
	// length.
	Signed bool
	Size   int64
	// Extended reports whether \x05MsiDigitalSignatureEx (the pre-hash of
	// the streams' metadata) is present; ExtendedSize is its length.
	Extended     bool
	ExtendedSize int64
}

// Signature reports the package's signature streams as read (streams set
// or deleted since are not considered). The error is reserved for future
// read failures and is nil today.
func (db *Database) Signature() (SignatureInfo, error) {
	var si SignatureInfo
	if e := db.streamByName[DigitalSignatureStream]; e != nil {
		si.Signed, si.Size = true, e.Size
	}
	if e := db.streamByName[DigitalSignatureExStream]; e != nil {
		si.Extended, si.ExtendedSize = true, e.Size
	}
	return si, nil
}
