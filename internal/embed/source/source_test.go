package source

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tendhq/tend/internal/cloud/aws/awstest"
	"github.com/tendhq/tend/internal/embed"
)

func ids(t *testing.T, src embed.Source) []string {
	t.Helper()
	out, err := embed.List(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDir(t *testing.T) {
	root := t.TempDir()
	for _, p := range []string{"b.png", "a/x.JPG", "a/y.txt", ".hidden/z.png", "a/.w.png", "c.webp", "d.gif"} {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(t, d), []string{"a/x.JPG", "b.png", "c.webp", "d.gif"}; !slices.Equal(got, want) {
		t.Fatalf("listed %v, want %v", got, want)
	}
	data, err := d.Read(context.Background(), "a/x.JPG")
	if err != nil || string(data) != "a/x.JPG" {
		t.Fatalf("read: %q %v", data, err)
	}
	if _, err := d.Read(context.Background(), "gone.png"); !errors.Is(err, embed.ErrMissing) {
		t.Errorf("missing file: %v, want ErrMissing", err)
	}
	if _, err := d.Read(context.Background(), "../etc/passwd"); err == nil || errors.Is(err, embed.ErrMissing) {
		t.Errorf("escaping id: %v, want a refusal", err)
	}
	if _, err := NewDir(filepath.Join(root, "b.png")); err == nil {
		t.Error("a file was accepted as a directory")
	}
}

// TestS3 drives the real SDK against awstest's S3 (ListObjectsV2 paging,
// GetObject, NoSuchKey).
func TestS3(t *testing.T) {
	f := awstest.NewFake()
	t.Cleanup(f.Close)
	var want []string
	for i := range 2500 { // three pages of 1000
		key := fmt.Sprintf("images/%05d.png", i)
		f.PutObject("pics", key, []byte(key))
		want = append(want, key)
	}
	f.PutObject("pics", "images/readme.txt", []byte("not an image"))
	f.PutObject("pics", "other/0.png", []byte("other prefix"))
	client := s3.NewFromConfig(f.AWSConfig(), func(o *s3.Options) {
		o.BaseEndpoint = aws.String(f.URL)
		o.UsePathStyle = true
	})
	bucket, prefix, err := ParseS3URI("s3://pics/images/")
	if err != nil {
		t.Fatal(err)
	}
	src := NewS3(client, bucket, prefix)
	if got := ids(t, src); !slices.Equal(got, want) {
		t.Fatalf("listed %d keys (first %v), want %d", len(got), got[:min(3, len(got))], len(want))
	}
	data, err := src.Read(context.Background(), "images/00042.png")
	if err != nil || string(data) != "images/00042.png" {
		t.Fatalf("read: %q %v", data, err)
	}
	if _, err := src.Read(context.Background(), "images/nope.png"); !errors.Is(err, embed.ErrMissing) {
		t.Errorf("missing key: %v, want ErrMissing", err)
	}
	for _, bad := range []string{"pics/x", "s3:///x", "http://pics/x"} {
		if _, _, err := ParseS3URI(bad); err == nil {
			t.Errorf("ParseS3URI(%q) accepted", bad)
		}
	}
}
