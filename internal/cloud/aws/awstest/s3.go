package awstest

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// serveS3 handles path-style S3 REST requests: GET and PUT /bucket/key.
func (f *Fake) serveS3(w http.ResponseWriter, r *http.Request) {
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if bucket == "" || key == "" {
		writeS3Error(w, http.StatusNotImplemented, "NotImplemented", "only object GET and PUT are implemented", "")
		return
	}
	var op string
	switch r.Method {
	case http.MethodGet:
		op = "GetObject"
	case http.MethodPut:
		op = "PutObject"
	default:
		writeS3Error(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.", key)
		return
	}
	flt, failing := f.begin(op)
	if failing && !flt.after {
		writeS3Error(w, flt.status, flt.code, "injected failure", key)
		return
	}
	f.mu.Lock()
	objs, ok := f.objects[bucket]
	f.mu.Unlock()
	if !ok {
		writeS3Error(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist", "")
		return
	}
	if op == "GetObject" {
		f.mu.Lock()
		body, ok := objs[key]
		f.mu.Unlock()
		if !ok {
			writeS3Error(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.", key)
			return
		}
		sum := md5.Sum(body)
		w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Header().Set("Content-Type", "binary/octet-stream")
		_, _ = w.Write(body)
		return
	}
	body, err := readS3Body(r)
	if err != nil {
		writeS3Error(w, http.StatusBadRequest, "IncompleteBody", err.Error(), key)
		return
	}
	f.mu.Lock()
	objs[key] = body
	f.mu.Unlock()
	if failing {
		writeS3Error(w, flt.status, flt.code, "injected failure after acting", key)
		return
	}
	sum := md5.Sum(body)
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
	w.WriteHeader(http.StatusOK)
}

// readS3Body reads a PUT body, decoding aws-chunked encoding (which the SDK
// uses to send a trailing checksum).
func readS3Body(r *http.Request) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	chunked := strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked") ||
		strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-")
	if !chunked {
		return raw, nil
	}
	body, err := decodeAWSChunked(raw)
	if err != nil {
		return nil, err
	}
	if dl := r.Header.Get("X-Amz-Decoded-Content-Length"); dl != "" {
		if n, err := strconv.Atoi(dl); err != nil || n != len(body) {
			return nil, fmt.Errorf("decoded length %d does not match x-amz-decoded-content-length %s", len(body), dl)
		}
	}
	return body, nil
}

// decodeAWSChunked decodes "<hex size>[;chunk-signature=…]\r\n<data>\r\n"
// chunks ending with a zero-size chunk and optional trailers.
func decodeAWSChunked(raw []byte) ([]byte, error) {
	br := bufio.NewReader(bytes.NewReader(raw))
	var out bytes.Buffer
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("aws-chunked: chunk header: %w", err)
		}
		sizeHex, _, _ := strings.Cut(strings.TrimRight(line, "\r\n"), ";")
		size, err := strconv.ParseInt(strings.TrimSpace(sizeHex), 16, 64)
		if err != nil || size < 0 {
			return nil, fmt.Errorf("aws-chunked: bad chunk size %q", sizeHex)
		}
		if size == 0 {
			return out.Bytes(), nil // trailers (checksums) follow; not verified
		}
		if _, err := io.CopyN(&out, br, size); err != nil {
			return nil, fmt.Errorf("aws-chunked: chunk data: %w", err)
		}
		crlf := make([]byte, 2)
		if _, err := io.ReadFull(br, crlf); err != nil || string(crlf) != "\r\n" {
			return nil, errors.New("aws-chunked: chunk not terminated by CRLF")
		}
	}
}

func unescapeKey(k string) string {
	if u, err := url.PathUnescape(k); err == nil {
		return u
	}
	return k
}

func writeS3Error(w http.ResponseWriter, status int, code, msg, key string) {
	body := struct {
		XMLName   xml.Name `xml:"Error"`
		Code      string   `xml:"Code"`
		Message   string   `xml:"Message"`
		Key       string   `xml:"Key,omitempty"`
		RequestID string   `xml:"RequestId"`
	}{Code: code, Message: msg, Key: key, RequestID: requestID()}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("x-amz-request-id", body.RequestID)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(body)
}
