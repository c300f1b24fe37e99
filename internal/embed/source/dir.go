// Package source holds the places tend embed reads images from: a local
// directory (Dir) and an S3 prefix (S3, ListObjectsV2 + GetObject).
package source

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/tendhq/tend/internal/embed"
)

// Extensions are the file name endings listed as images (case-insensitive).
var Extensions = []string{".jpg", ".jpeg", ".png", ".gif", ".webp"}

// IsImage reports whether a name ends with one of Extensions.
func IsImage(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	for _, e := range Extensions {
		if ext == e {
			return true
		}
	}
	return false
}

// Dir is a directory tree of images. An image's ID is its slash-separated
// path under the root.
type Dir struct {
	root string
	fsys fs.FS
}

var _ embed.Source = (*Dir)(nil)

// NewDir returns the directory source rooted at dir.
func NewDir(dir string) (*Dir, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", dir, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("source %s: not a directory", dir)
	}
	return &Dir{root: abs, fsys: os.DirFS(abs)}, nil
}

// URI is file:// and the absolute path.
func (d *Dir) URI() string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(d.root)}).String()
}

// List walks the tree in lexical order, skipping hidden files and
// directories and files that are not images by name.
func (d *Dir) List(ctx context.Context, fn func(embed.Item) error) error {
	return fs.WalkDir(d.fsys, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p != "." && strings.HasPrefix(e.Name(), ".") {
			if e.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if e.IsDir() || !e.Type().IsRegular() || !IsImage(p) {
			return nil
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		return fn(embed.Item{ID: p, Size: info.Size()})
	})
}

// Read reads an image by ID; IDs that leave the root are refused.
func (d *Dir) Read(ctx context.Context, id string) ([]byte, error) {
	if !fs.ValidPath(id) {
		return nil, fmt.Errorf("image id %q: not a path inside the source", id)
	}
	data, err := fs.ReadFile(d.fsys, id)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", id, embed.ErrMissing)
	}
	return data, err
}

// Open returns the source a URI or path names: s3://bucket/prefix through
// the client s3 (which may be nil when no S3 source is used), file:///dir
// or a plain directory path.
func Open(uri string, s3 func() (S3API, error)) (embed.Source, error) {
	switch {
	case strings.HasPrefix(uri, "s3://"):
		bucket, prefix, err := ParseS3URI(uri)
		if err != nil {
			return nil, err
		}
		if s3 == nil {
			return nil, fmt.Errorf("source %s: no S3 client", uri)
		}
		c, err := s3()
		if err != nil {
			return nil, err
		}
		return NewS3(c, bucket, prefix), nil
	case strings.HasPrefix(uri, "file://"):
		u, err := url.Parse(uri)
		if err != nil {
			return nil, fmt.Errorf("source %q: %w", uri, err)
		}
		return NewDir(filepath.FromSlash(u.Path))
	case strings.Contains(uri, "://"):
		return nil, fmt.Errorf("source %q: want a directory, file:///dir or s3://bucket/prefix", uri)
	}
	return NewDir(uri)
}
