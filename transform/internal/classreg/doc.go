// Package classreg is the class-to-registry pass of package transform
// (transform.ClassToRegistry documents what it does): it reads the Class,
// ProgId, AppId, Extension, Verb and MIME tables into plain rows (Input),
// plans the Registry rows that write the same keys and values without a
// database (makePlan: a pure function of Input and Options, one file per
// phase: index, check, liveness, emit, sequence), and applies the plan
// (Run), recording every change and note in an edit.Log.
package classreg
