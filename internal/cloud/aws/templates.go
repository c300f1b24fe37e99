package aws

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/tendhq/tend/internal/catalog"
)

// MaxTemplateBytes is the largest template read or published: CloudFormation
// accepts at most 1 MB from S3.
const MaxTemplateBytes = 1 << 20

// S3API is the part of the S3 client the template store uses.
type S3API interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// templateStore keeps template bodies in S3 and fetches them from the URLs
// Service Catalog reports.
type templateStore struct {
	s3       S3API
	http     *http.Client
	bucket   string
	prefix   string
	region   string
	endpoint string // custom endpoint (path-style), "" for AWS
}

// DetectFormat tells CloudFormation JSON from YAML by the first
// significant byte.
func DetectFormat(tmpl []byte) catalog.Format {
	t := bytes.TrimLeft(tmpl, " \t\r\n\ufeff")
	t = bytes.TrimPrefix(t, []byte("\xef\xbb\xbf"))
	if len(t) > 0 && t[0] == '{' {
		return catalog.FormatCFNJSON
	}
	return catalog.FormatCFNYAML
}

// key returns the deterministic object key of a template published with
// token for product.
func (ts *templateStore) key(productID, token string, f catalog.Format) string {
	ext := ".yaml"
	if f == catalog.FormatCFNJSON {
		ext = ".json"
	}
	return ts.prefix + productID + "/" + token + ext
}

// url returns the URL Service Catalog loads an object from.
func (ts *templateStore) url(key string) string {
	esc := escapeKey(key)
	if ts.endpoint != "" {
		return ts.endpoint + "/" + ts.bucket + "/" + esc
	}
	return "https://" + ts.bucket + ".s3." + ts.region + ".amazonaws.com/" + esc
}

func escapeKey(key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// put uploads a template; the same key and body make the same object, so
// a retried put is harmless.
func (ts *templateStore) put(ctx context.Context, key string, body []byte, f catalog.Format) error {
	ct := "application/x-yaml"
	if f == catalog.FormatCFNJSON {
		ct = "application/json"
	}
	_, err := ts.s3.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        awssdk.String(ts.bucket),
		Key:           awssdk.String(key),
		Body:          bytes.NewReader(body),
		ContentLength: awssdk.Int64(int64(len(body))),
		ContentType:   awssdk.String(ct),
	})
	if err != nil {
		return fmt.Errorf("put template s3://%s/%s: %w", ts.bucket, key, err)
	}
	return nil
}

// fetch reads a template from a URL Service Catalog reported: presigned
// URLs with a plain GET, S3 URLs (virtual-hosted or path-style, or on the
// custom endpoint) with GetObject.
func (ts *templateStore) fetch(ctx context.Context, raw string) ([]byte, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("template URL %q is not a URL", raw)
	}
	q := u.Query()
	if q.Get("X-Amz-Signature") == "" && q.Get("Signature") == "" {
		if bucket, key, ok := ts.parseS3URL(u); ok {
			return ts.get(ctx, bucket, key)
		}
	}
	if u.Scheme != "https" && (ts.endpoint == "" || !strings.HasPrefix(raw, ts.endpoint)) {
		return nil, fmt.Errorf("template URL %q: refusing a non-https URL", raw)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch template: %w", err)
	}
	resp, err := ts.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch template %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch template from %s%s: status %d", u.Host, u.Path, resp.StatusCode)
	}
	return readLimited(resp.Body)
}

var (
	virtualHostRe = regexp.MustCompile(`^([a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])\.s3(?:[.\-][a-z0-9\-]+)?\.amazonaws\.com(?:\.cn)?$`)
	pathHostRe    = regexp.MustCompile(`^s3(?:[.\-][a-z0-9\-]+)?\.amazonaws\.com(?:\.cn)?$`)
)

// parseS3URL finds the bucket and key of an S3 object URL.
func (ts *templateStore) parseS3URL(u *url.URL) (bucket, key string, ok bool) {
	path := strings.TrimPrefix(u.Path, "/")
	pathStyle := func() (string, string, bool) {
		b, k, found := strings.Cut(path, "/")
		if !found || b == "" || k == "" {
			return "", "", false
		}
		return b, k, true
	}
	if ts.endpoint != "" {
		if e, err := url.Parse(ts.endpoint); err == nil && e.Host == u.Host {
			return pathStyle()
		}
	}
	host := strings.ToLower(u.Hostname())
	if m := virtualHostRe.FindStringSubmatch(host); m != nil && !pathHostRe.MatchString(host) {
		return m[1], path, path != ""
	}
	if pathHostRe.MatchString(host) {
		return pathStyle()
	}
	return "", "", false
}

func (ts *templateStore) get(ctx context.Context, bucket, key string) ([]byte, error) {
	out, err := ts.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: awssdk.String(bucket), Key: awssdk.String(key)})
	if err != nil {
		var nk *types.NoSuchKey
		if errors.As(err, &nk) {
			return nil, fmt.Errorf("get template s3://%s/%s: %w", bucket, key, catalog.ErrNotFound)
		}
		return nil, fmt.Errorf("get template s3://%s/%s: %w", bucket, key, err)
	}
	defer out.Body.Close()
	return readLimited(out.Body)
}

func readLimited(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxTemplateBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	if len(b) > MaxTemplateBytes {
		return nil, fmt.Errorf("read template: larger than %d bytes", MaxTemplateBytes)
	}
	return b, nil
}

var tokenRe = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,128}$`)

// IdempotencyToken turns an idempotency key into a Service Catalog
// IdempotencyToken (1–128 of [a-zA-Z0-9_-]): the key itself when it fits,
// otherwise "tend-" and the hex SHA-256 of the key.
func IdempotencyToken(key string) string {
	if tokenRe.MatchString(key) {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return "tend-" + hex.EncodeToString(sum[:])
}
