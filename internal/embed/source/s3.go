package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/tendhq/tend/internal/embed"
)

// S3API is the part of the S3 client the source uses.
type S3API interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// S3 is the images under a prefix of a bucket. An image's ID is its key.
type S3 struct {
	client         S3API
	bucket, prefix string
	// MaxBytes refuses objects larger than this (default 64 MiB).
	MaxBytes int64
}

var _ embed.Source = (*S3)(nil)

// ParseS3URI splits s3://bucket/prefix.
func ParseS3URI(uri string) (bucket, prefix string, err error) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return "", "", fmt.Errorf("source %q: want s3://bucket/prefix", uri)
	}
	return u.Host, strings.TrimPrefix(u.Path, "/"), nil
}

// NewS3 returns the source of the images under s3://bucket/prefix.
func NewS3(client S3API, bucket, prefix string) *S3 {
	return &S3{client: client, bucket: bucket, prefix: prefix, MaxBytes: 64 << 20}
}

func (s *S3) URI() string { return "s3://" + s.bucket + "/" + s.prefix }

// List pages through ListObjectsV2 (keys in UTF-8 binary order), keeping
// keys that name images.
func (s *S3) List(ctx context.Context, fn func(embed.Item) error) error {
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(s.prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list s3://%s/%s: %w", s.bucket, s.prefix, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if !IsImage(key) || strings.HasSuffix(key, "/") {
				continue
			}
			if err := fn(embed.Item{ID: key, Size: aws.ToInt64(o.Size)}); err != nil {
				return err
			}
		}
	}
	return nil
}

// Read gets an object by key.
func (s *S3) Read(ctx context.Context, id string) ([]byte, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(id)})
	var nsk *types.NoSuchKey
	if errors.As(err, &nsk) {
		return nil, fmt.Errorf("s3://%s/%s: %w", s.bucket, id, embed.ErrMissing)
	}
	if err != nil {
		return nil, fmt.Errorf("get s3://%s/%s: %w", s.bucket, id, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, s.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("get s3://%s/%s: %w", s.bucket, id, err)
	}
	if int64(len(data)) > s.MaxBytes {
		return nil, fmt.Errorf("s3://%s/%s is larger than %d bytes: %w", s.bucket, id, s.MaxBytes, embed.ErrMissing)
	}
	return data, nil
}
