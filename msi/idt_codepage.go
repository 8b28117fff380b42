package msi

// importCodepage applies a _ForceCodepage IDT file. The database API has
// no way to change the string pool's codepage yet, so only a no-op change
// is accepted.
func (db *Database) importCodepage(cp int) error {
	if cp == db.Codepage() {
		return nil
	}
	return &UnsupportedError{Table: ForceCodepageTable, Msg: "changing the database codepage is not supported yet"}
}
