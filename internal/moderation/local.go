package moderation

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"image"
	"io/fs"
	"os"
	"strings"
)

// File names LoadLists reads from its directory (content/moderation ships
// them).
const (
	HashListFile    = "blocked-phash.txt"
	BlockedTermFile = "blocked-terms.txt"
	NSFWTermFile    = "nsfw-terms.txt"
)

// DefaultMaxDistance is the Hamming distance (of 64 bits) within which an
// image counts as a listed one: re-encoded, resized or recoloured copies
// stay within a few bits, unrelated images sit around 32.
const DefaultMaxDistance = 8

// Lists are the local checker's block lists.
type Lists struct {
	ImageHashes  []uint64 // PHash values of known CSAM images
	BlockedTerms []string // text that is a CSAM verdict
	NSFWTerms    []string // text that is an NSFW verdict
}

// LoadLists reads the three list files from dir. Every file must exist
// (a missing block list is a deployment mistake, not an empty list). In all
// of them blank lines and lines starting with # are ignored; a hash line may
// end with a # comment. Hashes are 16 hex digits (see FormatHash); terms
// are words or phrases, one per line.
func LoadLists(dir string) (Lists, error) {
	l, err := LoadListsFS(os.DirFS(dir))
	if err != nil {
		return Lists{}, fmt.Errorf("moderation lists in %s: %w", dir, err)
	}
	return l, nil
}

// LoadListsFS is LoadLists over a file system (e.g. lists embedded in the
// binary), with the three files at its root.
func LoadListsFS(fsys fs.FS) (Lists, error) {
	var l Lists
	var errs []error
	hashes, err := readLines(fsys, HashListFile)
	if err != nil {
		errs = append(errs, err)
	}
	for _, ln := range hashes {
		field, _, _ := strings.Cut(ln.text, "#")
		h, err := ParseHash(strings.TrimSpace(field))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %w", HashListFile, ln.no, err))
			continue
		}
		l.ImageHashes = append(l.ImageHashes, h)
	}
	if l.BlockedTerms, err = readTerms(fsys, BlockedTermFile); err != nil {
		errs = append(errs, err)
	}
	if l.NSFWTerms, err = readTerms(fsys, NSFWTermFile); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return Lists{}, err
	}
	return l, nil
}

type line struct {
	no   int
	text string
}

// readLines returns the non-blank, non-comment lines of a file, trimmed.
func readLines(fsys fs.FS, name string) ([]line, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []line
	sc := bufio.NewScanner(f)
	for no := 1; sc.Scan(); no++ {
		t := strings.TrimSpace(sc.Text())
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		out = append(out, line{no, t})
	}
	return out, sc.Err()
}

func readTerms(fsys fs.FS, name string) ([]string, error) {
	lines, err := readLines(fsys, name)
	out := make([]string, 0, len(lines))
	for _, ln := range lines {
		out = append(out, strings.ToLower(ln.text))
	}
	return out, err
}

// Local is the embedded checker: a perceptual-hash block list for images
// and term lists for text. It never fails on its own (its errors are the
// caller's context being done), so callers' "error means not checked" paths
// only trigger for remote checkers.
type Local struct {
	hashes      []uint64
	maxDistance int
	blocked     termSet
	nsfw        termSet
}

var _ Checker = (*Local)(nil)

// NewLocal builds a checker from lists; an image whose PHash is within
// maxDistance bits of a listed hash is a CSAM hit (DefaultMaxDistance when
// maxDistance < 0).
func NewLocal(l Lists, maxDistance int) *Local {
	if maxDistance < 0 {
		maxDistance = DefaultMaxDistance
	}
	return &Local{hashes: append([]uint64(nil), l.ImageHashes...), maxDistance: maxDistance,
		blocked: newTermSet(l.BlockedTerms), nsfw: newTermSet(l.NSFWTerms)}
}

// CheckImage hashes img and compares it with every listed hash. A linear
// scan is microseconds for thousands of entries; a much larger list would
// want a BK-tree.
func (c *Local) CheckImage(ctx context.Context, img image.Image) (Verdict, error) {
	if err := ctx.Err(); err != nil {
		return Verdict{}, err
	}
	h := PHash(img)
	for _, listed := range c.hashes {
		if d := Distance(h, listed); d <= c.maxDistance {
			return Verdict{CSAM: true, Reasons: []string{fmt.Sprintf("perceptual hash %s within %d bits of a listed hash",
				FormatHash(h), d)}}, nil
		}
	}
	return Verdict{}, nil
}

// CheckText looks for listed terms: a blocked term is a CSAM verdict, an
// NSFW term an NSFW verdict (both may be set).
func (c *Local) CheckText(ctx context.Context, text string) (Verdict, error) {
	if err := ctx.Err(); err != nil {
		return Verdict{}, err
	}
	var v Verdict
	if t, ok := c.blocked.match(text); ok {
		v.CSAM = true
		v.Reasons = append(v.Reasons, "blocked term: "+t)
	}
	if t, ok := c.nsfw.match(text); ok {
		v.NSFW = true
		v.Reasons = append(v.Reasons, "nsfw term: "+t)
	}
	return v, nil
}
