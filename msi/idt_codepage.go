package msi

// importCodepage applies a _ForceCodepage IDT file (see SetCodepage).
func (db *Database) importCodepage(cp int) error {
	return db.SetCodepage(cp)
}
