package devopsguru

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// SigningName is the service name a request's credential scope must carry.
const SigningName = "devops-guru"

const (
	sigAlgorithm  = "AWS4-HMAC-SHA256"
	amzDateFormat = "20060102T150405Z"
	// MaxClockSkew is how far x-amz-date may be from tend's clock.
	MaxClockSkew = 15 * time.Minute
)

// sigRequest is what the Authorization header of a SigV4 request says.
type sigRequest struct {
	AccessKeyID   string
	Date          string // yyyymmdd of the credential scope
	Region        string
	Service       string
	SignedHeaders []string
	Signature     string
	AmzDate       time.Time
	amzDateRaw    string
}

// scope is the credential scope: date/region/service/aws4_request.
func (s sigRequest) scope() string {
	return s.Date + "/" + s.Region + "/" + s.Service + "/aws4_request"
}

// parseAuthorization reads the Authorization and x-amz-date headers. The
// errors are the service's: IncompleteSignatureException for a malformed
// header, MissingAuthenticationTokenException for none.
func parseAuthorization(r *http.Request) (sigRequest, *Error) {
	var s sigRequest
	auth := r.Header.Get("Authorization")
	if auth == "" {
		if r.URL.Query().Get("X-Amz-Algorithm") != "" {
			return s, errIncompleteSignature("presigned URLs (X-Amz-Algorithm in the query) are not supported by tend: sign the Authorization header")
		}
		return s, errMissingToken()
	}
	alg, rest, _ := strings.Cut(auth, " ")
	if alg != sigAlgorithm {
		return s, errIncompleteSignature(fmt.Sprintf("Authorization header must start with %s (only Signature Version 4 is accepted). Authorization=%s", sigAlgorithm, redactAuth(auth)))
	}
	params := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return s, errIncompleteSignature(fmt.Sprintf("Authorization header requires each component as key=value; got %q", part))
		}
		params[k] = v
	}
	for _, k := range []string{"Credential", "SignedHeaders", "Signature"} {
		if params[k] == "" {
			return s, errIncompleteSignature(fmt.Sprintf("Authorization header requires '%s' parameter. Authorization=%s", k, redactAuth(auth)))
		}
	}
	cred := strings.Split(params["Credential"], "/")
	if len(cred) != 5 {
		return s, errIncompleteSignature(fmt.Sprintf("Credential must have the form <access key id>/<yyyymmdd>/<region>/%s/aws4_request; got %d parts", SigningName, len(cred)))
	}
	s.AccessKeyID, s.Date, s.Region, s.Service = cred[0], cred[1], cred[2], cred[3]
	if cred[4] != "aws4_request" {
		return s, errInvalidSignature(fmt.Sprintf("Credential should be scoped with a valid terminator: 'aws4_request', not '%s'.", cred[4]))
	}
	if s.Service != SigningName {
		return s, errInvalidSignature(fmt.Sprintf("Credential should be scoped to correct service: '%s'. ", SigningName))
	}
	s.SignedHeaders = strings.Split(params["SignedHeaders"], ";")
	if !sort.StringsAreSorted(s.SignedHeaders) {
		return s, errIncompleteSignature("SignedHeaders must be lowercase names in alphabetical order, separated by ';'")
	}
	hasHost := false
	for _, h := range s.SignedHeaders {
		if h != strings.ToLower(h) || h == "" {
			return s, errIncompleteSignature("SignedHeaders must be lowercase names in alphabetical order, separated by ';'")
		}
		hasHost = hasHost || h == "host"
	}
	if !hasHost {
		return s, errIncompleteSignature("SignedHeaders must include 'host'")
	}
	s.Signature = params["Signature"]
	if len(s.Signature) != 64 {
		return s, errIncompleteSignature("Signature must be 64 hexadecimal characters")
	}
	s.amzDateRaw = r.Header.Get("X-Amz-Date")
	if s.amzDateRaw == "" {
		return s, errIncompleteSignature(fmt.Sprintf("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=%s", redactAuth(auth)))
	}
	t, err := time.Parse(amzDateFormat, s.amzDateRaw)
	if err != nil {
		return s, errIncompleteSignature(fmt.Sprintf("X-Amz-Date must be in the ISO 8601 basic format yyyyMMdd'T'HHmmss'Z'; got %q", s.amzDateRaw))
	}
	s.AmzDate = t
	if s.amzDateRaw[:8] != s.Date {
		return s, errInvalidSignature(fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", s.Date, s.amzDateRaw[:8], s.amzDateRaw))
	}
	return s, nil
}

// checkSkew refuses a request signed too long ago or too far ahead, as the
// service words it.
func checkSkew(s sigRequest, now time.Time) *Error {
	now = now.UTC()
	f := func(t time.Time) string { return t.Format(amzDateFormat) }
	switch {
	case s.AmzDate.Before(now.Add(-MaxClockSkew)):
		return errInvalidSignature(fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)", s.amzDateRaw, f(now.Add(-MaxClockSkew)), f(now)))
	case s.AmzDate.After(now.Add(MaxClockSkew)):
		return errInvalidSignature(fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 15 min.)", s.amzDateRaw, f(now.Add(MaxClockSkew)), f(now)))
	}
	return nil
}

// canonicalRequest builds the SigV4 canonical request of r over the signed
// headers, with payloadHash the hex SHA-256 of the body.
func canonicalRequest(r *http.Request, signed []string, payloadHash string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r.URL))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.RawQuery))
	b.WriteByte('\n')
	for _, h := range signed {
		b.WriteString(h)
		b.WriteByte(':')
		b.WriteString(headerValue(r, h))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// canonicalURI is the path as every service but S3 signs it: the
// request's escaped path, URI-encoded once more, "/" for an empty one.
func canonicalURI(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	return uriEncode(p, false)
}

// canonicalQuery sorts the query's parameters by name then value, each
// URI-encoded.
func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	type kv struct{ k, v string }
	var list []kv
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		dk, err := url.PathUnescape(k)
		if err != nil {
			dk = k
		}
		dv, err := url.PathUnescape(v)
		if err != nil {
			dv = v
		}
		list = append(list, kv{uriEncode(dk, true), uriEncode(dv, true)})
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].k != list[j].k {
			return list[i].k < list[j].k
		}
		return list[i].v < list[j].v
	})
	parts := make([]string, len(list))
	for i, p := range list {
		parts[i] = p.k + "=" + p.v
	}
	return strings.Join(parts, "&")
}

// headerValue is a signed header's canonical value: its values joined with
// ",", each trimmed with inner runs of spaces collapsed.
func headerValue(r *http.Request, name string) string {
	var vals []string
	switch name {
	case "host":
		vals = []string{r.Host}
	case "content-length":
		vals = r.Header.Values("Content-Length")
		if len(vals) == 0 {
			vals = []string{fmt.Sprint(r.ContentLength)}
		}
	default:
		vals = r.Header.Values(name)
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(out, ",")
}

// uriEncode encodes every byte but the unreserved characters of RFC 3986;
// "/" too when encodeSlash.
func uriEncode(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		case c == '/' && !encodeSlash:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// stringToSign is what the signature is the HMAC of.
func stringToSign(s sigRequest, canonical string) string {
	h := sha256.Sum256([]byte(canonical))
	return sigAlgorithm + "\n" + s.amzDateRaw + "\n" + s.scope() + "\n" + hex.EncodeToString(h[:])
}

// signature computes the hex signature with the secret access key.
func signature(secret string, s sigRequest, toSign string) string {
	k := hmacSHA256([]byte("AWS4"+secret), s.Date)
	k = hmacSHA256(k, s.Region)
	k = hmacSHA256(k, s.Service)
	k = hmacSHA256(k, "aws4_request")
	return hex.EncodeToString(hmacSHA256(k, toSign))
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// redactAuth keeps the Authorization header's shape but not its signature,
// for messages.
func redactAuth(auth string) string {
	if i := strings.Index(auth, "Signature="); i >= 0 {
		return auth[:i] + "Signature=…"
	}
	if len(auth) > 80 {
		return auth[:80] + "…"
	}
	return auth
}
