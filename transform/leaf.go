package transform

import (
	"context"
	"fmt"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/transform/internal/edit"
	"github.com/msikit/msikit/transform/internal/leaf"
)

// SplitAdvertisedOptions controls SplitAdvertised. The zero value is the
// recommended setting.
type SplitAdvertisedOptions struct {
	// KeepInParent keeps each advertised component's FeatureComponents row
	// in its original feature as well as adding it to the leaf. The
	// component is then still covered by the big feature's health check
	// (its repairs are not narrowed), but no row is removed. By default the
	// row moves.
	KeepInParent bool

	// DisallowAdvertise sets msidbFeatureAttributesDisallowAdvertise (8)
	// on every leaf. By default a leaf takes that bit (and
	// msidbFeatureAttributesNoUnsupportedAdvertise, 32) from its parent:
	// ICE10 forbids a child that disallows advertising under a parent that
	// allows it, and such a leaf stays absent in an advertise-only install,
	// leaving its entry points unregistered. Each leaf where this differs
	// from the parent gets a warning.
	DisallowAdvertise bool

	// AllowAbsent leaves msidbFeatureAttributesUIDisallowAbsent (16) off
	// the leaves. By default it is set, so that the leaf cannot be made
	// absent on its own through a user interface.
	AllowAbsent bool

	// Tables lists the entry-point tables whose rows start a split. Nil
	// means Class, Extension, Shortcut, TypeLib and PublishComponent.
	// "MsiAssembly" may be added to split assemblies' features as well.
	// Rows of the other tables that name the same feature and component
	// as a split entry point follow it into the leaf (unless KeepInParent),
	// so that no row names a feature that no longer holds its component.
	Tables []string

	// MaxChanges bounds the row changes the pass may make. 0 means
	// DefaultMaxChanges. Past it SplitAdvertised changes nothing and
	// returns an error wrapping ErrTooManyChanges.
	MaxChanges int

	// Context, if not nil, stops the pass once it is done, while it
	// reads the tables and plans (every 1,024 rows or steps): it then
	// returns an error matching ctx.Err() and context.Cause(ctx), and
	// leaves the database unchanged. Once planned, the changes (at
	// most MaxChanges) are made whole, without looking at Context, so
	// that a stopped pass never leaves a half-split feature tree. nil
	// means context.Background: the pass runs to its end.
	Context context.Context

	// Shared, if not nil, gives the pass the FeatureComponents pairs an
	// earlier pass on the same database read (or carries those it reads
	// to later passes, unless it changes the table).
	Shared *Shared
}

// SplitAdvertised moves each advertised component into a small hidden
// leaf feature under the feature its entry points named, so that a
// resiliency health check started by an entry point names a feature that
// holds only that component. Windows Installer's documentation has the
// check cover the features above it as well (MsiProvideComponent: "a
// component in the requested feature, or a feature parent"), so the
// components of the named feature and its ancestors may stay covered:
// Audit counts them before and after.
//
// Entry points are Class and Extension rows (an Extension's Verb and MIME
// rows key on the extension and travel with it), Shortcut rows whose
// Target is a feature name, TypeLib and PublishComponent rows. They are
// grouped by (feature, component); each group gets one new Feature row
// keyed "<feature>_<component>" when that fits the 38-character Feature key
// and no feature has it (compared without case), else the first 29
// characters of it, "_" and 8 hex digits of an FNV-1a hash of feature,
// component and an attempt number; with Feature_Parent = the original feature,
// Display 0, Level = the parent's Level, Directory_ null and Attributes
// msidbFeatureAttributesFollowParent|msidbFeatureAttributesUIDisallowAbsent
// (18) plus the parent's advertise restrictions. The component's
// FeatureComponents row moves from the original feature to the leaf, the
// entry points' feature columns are re-pointed to it, and the parent's
// Condition rows are copied to it, so that its level equals its parent's
// even when a condition enables a parent authored at level 0.
//
// Entry points that already name a feature holding only their component
// (in particular the leaves of an earlier run) are left alone, so the pass
// is idempotent. So are entry points whose feature does not hold their
// component: a leaf would add the component to what selecting that
// feature installs (a warning, or a note when the feature holds no
// components and its health check is already minimal). Components also
// held by other features stay there (an info note names them). Odd data (features or components that do not exist,
// Feature_Parent cycles, a tree already at the depth limit of 16) is left
// alone with a warning in the report; it never makes the pass fail.
//
// SplitAdvertised edits db in memory. If it returns an error the database
// may be partly changed and should be discarded. Writing a changed signed
// package fails with msi.ErrSigned unless the caller drops the signature
// (msi.SaveOptions).
func SplitAdvertised(db *msi.Database, opts SplitAdvertisedOptions) (*Report, error) {
	// The changes go straight into the report, not into the log first
	// (460,000 updates of PublishComponent rows were held twice while
	// newReport converted them).
	sink := &reportSink{}
	lo := leaf.Options{
		Sink:              sink,
		NoteSink:          sink,
		KeepInParent:      opts.KeepInParent,
		DisallowAdvertise: opts.DisallowAdvertise,
		AllowAbsent:       opts.AllowAbsent,
		MaxChanges:        opts.MaxChanges,
		Stop:              edit.NewStop(opts.Context, "leaf-features"),
		Shared:            opts.Shared.shared(),
	}
	if opts.Tables != nil {
		lo.Tables = make(map[string]bool)
		for _, name := range opts.Tables {
			if !leaf.EntryTable(name) {
				return nil, fmt.Errorf("transform: leaf-features: %q is not an entry-point table", name)
			}
			lo.Tables[name] = true
		}
	}
	log, err := leaf.Run(db, lo)
	return sink.report("leaf-features", log), err
}
