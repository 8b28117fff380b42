// Package leaf is the leaf-features pass of package transform
// (transform.SplitAdvertised documents what it does): it reads the
// Feature, FeatureComponents, Component, Condition and entry-point tables
// into plain rows (Input), plans the hidden leaf features without a
// database (makePlan), and applies the plan (Run), recording every change
// and note in an edit.Log.
package leaf
