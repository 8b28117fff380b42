package validate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"strings"
)

// An Artifact is one validated package for WriteSARIF: the path or URI the
// log names it by, and its findings.
type Artifact struct {
	Path     string
	Findings []Finding
}

// The SARIF 2.1.0 objects WriteSARIF writes (a subset of the schema).
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool      sarifTool       `json:"tool"`
		Artifacts []sarifArtifact `json:"artifacts"`
		Results   []sarifResult   `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID               string       `json:"id"`
		Name             string       `json:"name"`
		ShortDescription sarifText    `json:"shortDescription"`
		HelpURI          string       `json:"helpUri"`
		Properties       sarifRuleTag `json:"properties"`
	}
	sarifRuleTag struct {
		Tags []string `json:"tags"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifArtifact struct {
		Location sarifArtifactLocation `json:"location"`
	}
	sarifArtifactLocation struct {
		URI   string `json:"uri"`
		Index int    `json:"index"`
	}
	sarifResult struct {
		RuleID              string            `json:"ruleId"`
		RuleIndex           int               `json:"ruleIndex"`
		Level               string            `json:"level"`
		Message             sarifText         `json:"message"`
		Locations           []sarifLocation   `json:"locations"`
		PartialFingerprints map[string]string `json:"partialFingerprints"`
		Properties          *sarifResultProps `json:"properties,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical  `json:"physicalLocation"`
		LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
		Region           sarifRegion           `json:"region"`
	}
	sarifRegion struct {
		StartLine int `json:"startLine"`
	}
	sarifLogical struct {
		FullyQualifiedName string `json:"fullyQualifiedName"`
	}
	sarifResultProps struct {
		Table   string   `json:"table,omitempty"`
		Column  string   `json:"column,omitempty"`
		Key     []string `json:"key,omitempty"`
		Omitted int      `json:"omitted,omitempty"`
	}
)

// sarifSchema is the URI of the SARIF 2.1.0 schema (OASIS Standard,
// errata 01).
const sarifSchema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// sarifURI returns the artifact URI of a path: a relative URI reference
// for a relative path, a file URI for an absolute one.
func sarifURI(p string) string {
	if strings.Contains(p, "://") {
		return p
	}
	slashed := filepath.ToSlash(p)
	if filepath.IsAbs(p) {
		if !strings.HasPrefix(slashed, "/") {
			slashed = "/" + slashed // C:/x -> /C:/x
		}
		return (&url.URL{Scheme: "file", Path: slashed}).String()
	}
	return (&url.URL{Path: slashed}).String()
}

// fingerprint identifies a finding across runs: its rule and location, not
// its wording.
func fingerprint(f Finding) string {
	h := sha256.Sum256([]byte(f.ICE + "\x00" + f.Table + "\x00" + f.Column + "\x00" + strings.Join(f.Key, "\x00") + "\x00" + f.Message))
	return hex.EncodeToString(h[:8])
}

// WriteSARIF writes the findings of the artifacts as one SARIF 2.1.0 log
// (one run of the tool "msikit", at the given version), for code-scanning
// dashboards. Every rule is described in the run, with its documentation
// link; errors, warnings and infos become the levels "error", "warning"
// and "note". A package is binary and has no lines, so each result points
// at line 1 of its package, which is what dashboards need to show it, and
// names its table, column and key as a logical location
// ("File[f1].Component_") and in its properties. Fingerprints hash the
// rule, location and message, so that an unchanged finding keeps its
// identity from run to run.
func WriteSARIF(w io.Writer, version string, artifacts ...Artifact) error {
	rules := Rules()
	index := map[string]int{}
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{Name: "msikit", Version: version,
			InformationURI: "https://github.com/msikit/msikit"}},
		Artifacts: []sarifArtifact{},
		Results:   []sarifResult{},
	}
	for i, r := range rules {
		index[r.ICE] = i
		tags := []string{"windows-installer"}
		if r.MergeModules && !r.Installers {
			tags = append(tags, "merge-module")
		}
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{ID: r.ICE, Name: r.ICE,
			ShortDescription: sarifText{r.Summary}, HelpURI: r.URL, Properties: sarifRuleTag{tags}})
	}
	for ai, a := range artifacts {
		loc := sarifArtifactLocation{URI: sarifURI(a.Path), Index: ai}
		run.Artifacts = append(run.Artifacts, sarifArtifact{Location: loc})
		for _, f := range a.Findings {
			level := map[Severity]string{Error: "error", Warning: "warning", Info: "note"}[f.Severity]
			res := sarifResult{RuleID: f.ICE, RuleIndex: index[f.ICE], Level: level,
				Message:             sarifText{f.Message + " (" + f.URL + ")"},
				Locations:           []sarifLocation{{PhysicalLocation: sarifPhysical{ArtifactLocation: loc, Region: sarifRegion{StartLine: 1}}}},
				PartialFingerprints: map[string]string{"msikitFinding/v1": fingerprint(f)},
			}
			if f.Table != "" {
				name := f.Table
				if len(f.Key) > 0 {
					name += "[" + strings.Join(f.Key, ", ") + "]"
				}
				if f.Column != "" {
					name += "." + f.Column
				}
				res.Locations[0].LogicalLocations = []sarifLogical{{FullyQualifiedName: name}}
			}
			if f.Table != "" || f.Omitted > 0 {
				res.Properties = &sarifResultProps{Table: f.Table, Column: f.Column, Key: f.Key, Omitted: f.Omitted}
			}
			run.Results = append(run.Results, res)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{run}})
}
