package config

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Review configures POST /v1/reviews (docs/review.md).
type Review struct {
	// Directories, separated by the system's path-list separator (":" on
	// Linux), under which a review request may name a git repository for
	// tend to read. Empty: only tarballs are reviewed.
	Repositories string `yaml:"repositories"`
	// Largest size, in bytes, a submitted tarball may unpack to.
	MaxUnpackedBytes int64 `yaml:"max_unpacked_bytes"`
}

func defaultReview() Review { return Review{MaxUnpackedBytes: 256 << 20} }

// RepositoryRoots returns Repositories as a list.
func (c Review) RepositoryRoots() []string {
	var out []string
	for _, p := range filepath.SplitList(c.Repositories) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (c Review) validate() []FieldError {
	var errs []FieldError
	if c.MaxUnpackedBytes < 1<<10 || c.MaxUnpackedBytes > 16<<30 {
		errs = append(errs, FieldError{Key: "review.max_unpacked_bytes", Reason: fmt.Sprintf("must be from 1 KiB to 16 GiB (got %d)", c.MaxUnpackedBytes)})
	}
	for _, p := range c.RepositoryRoots() {
		if !filepath.IsAbs(p) {
			errs = append(errs, FieldError{Key: "review.repositories", Reason: fmt.Sprintf("%q must be an absolute directory", p)})
		}
	}
	return errs
}
