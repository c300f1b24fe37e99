package awstest

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// serveS3 handles path-style S3 REST requests: GET and PUT /bucket/key,
// and ListObjectsV2 (GET /bucket?list-type=2; s3list.go).
func (f *Fake) serveS3(w http.ResponseWriter, r *http.Request) {
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if bucket != "" && key == "" && r.Method == http.MethodGet && r.URL.Query().Get("list-type") == "2" {
		f.listObjectsV2(w, r, bucket)
		return
	}
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
	body, trailers, err := readS3Body(r)
	if err != nil {
		writeS3Error(w, http.StatusBadRequest, "IncompleteBody", err.Error(), key)
		return
	}
	sum := r.Header.Get("X-Amz-Checksum-Crc32")
	if sum == "" {
		sum = trailers["x-amz-checksum-crc32"]
	}
	if sum != "" && sum != crc32Base64(body) {
		writeS3Error(w, http.StatusBadRequest, "BadDigest", "The CRC32 you specified did not match the calculated checksum.", key)
		return
	}
	f.mu.Lock()
	objs[key] = body
	f.mu.Unlock()
	if failing {
		writeS3Error(w, flt.status, flt.code, "injected failure after acting", key)
		return
	}
	etag := md5.Sum(body)
	w.Header().Set("ETag", `"`+hex.EncodeToString(etag[:])+`"`)
	w.WriteHeader(http.StatusOK)
}

// readS3Body reads a PUT body, decoding aws-chunked encoding (which the SDK
// uses to send a trailing checksum) and returning its trailers.
func readS3Body(r *http.Request) ([]byte, map[string]string, error) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		return nil, nil, err
	}
	chunked := strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked") ||
		strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-")
	if !chunked {
		return raw, nil, nil
	}
	body, trailers, err := decodeAWSChunked(raw)
	if err != nil {
		return nil, nil, err
	}
	if dl := r.Header.Get("X-Amz-Decoded-Content-Length"); dl != "" {
		if n, err := strconv.Atoi(dl); err != nil || n != len(body) {
			return nil, nil, fmt.Errorf("decoded length %d does not match x-amz-decoded-content-length %s", len(body), dl)
		}
	}
	return body, trailers, nil
}

// crc32Base64 is the x-amz-checksum-crc32 of b.
func crc32Base64(b []byte) string {
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc32.ChecksumIEEE(b))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// decodeAWSChunked decodes "<hex size>[;chunk-signature=…]\r\n<data>\r\n"
// chunks ending with a zero-size chunk and optional "name:value" trailers
// (names lower-cased).
func decodeAWSChunked(raw []byte) ([]byte, map[string]string, error) {
	br := bufio.NewReader(bytes.NewReader(raw))
	var out bytes.Buffer
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, nil, fmt.Errorf("aws-chunked: chunk header: %w", err)
		}
		sizeHex, _, _ := strings.Cut(strings.TrimRight(line, "\r\n"), ";")
		size, err := strconv.ParseInt(strings.TrimSpace(sizeHex), 16, 64)
		if err != nil || size < 0 {
			return nil, nil, fmt.Errorf("aws-chunked: bad chunk size %q", sizeHex)
		}
		if size == 0 {
			trailers := map[string]string{}
			for {
				line, err := br.ReadString('\n')
				line = strings.TrimRight(line, "\r\n")
				if name, value, ok := strings.Cut(line, ":"); ok {
					trailers[strings.ToLower(strings.TrimSpace(name))] = strings.TrimSpace(value)
				}
				if err != nil || line == "" {
					return out.Bytes(), trailers, nil
				}
			}
		}
		if _, err := io.CopyN(&out, br, size); err != nil {
			return nil, nil, fmt.Errorf("aws-chunked: chunk data: %w", err)
		}
		crlf := make([]byte, 2)
		if _, err := io.ReadFull(br, crlf); err != nil || string(crlf) != "\r\n" {
			return nil, nil, errors.New("aws-chunked: chunk not terminated by CRLF")
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
