package awstest

import (
	"encoding/xml"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// listObjectsV2 answers GET /bucket?list-type=2 with prefix, max-keys
// (default 1000) and continuation-token (the last key of the previous
// page), keys in byte order as S3 returns them.
func (f *Fake) listObjectsV2(w http.ResponseWriter, r *http.Request, bucket string) {
	if flt, failing := f.begin("ListObjectsV2"); failing {
		writeS3Error(w, flt.status, flt.code, "injected failure", "")
		return
	}
	q := r.URL.Query()
	prefix, token := q.Get("prefix"), q.Get("continuation-token")
	maxKeys := 1000
	if v := q.Get("max-keys"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeS3Error(w, http.StatusBadRequest, "InvalidArgument", "max-keys must be a non-negative integer", "")
			return
		}
		maxKeys = min(n, 1000)
	}
	f.mu.Lock()
	objs, ok := f.objects[bucket]
	var keys []string
	sizes := map[string]int{}
	for k, v := range objs {
		if strings.HasPrefix(k, prefix) && k > token {
			keys = append(keys, k)
			sizes[k] = len(v)
		}
	}
	f.mu.Unlock()
	if !ok {
		writeS3Error(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist", "")
		return
	}
	sort.Strings(keys)
	type content struct {
		Key          string
		Size         int
		StorageClass string
	}
	type result struct {
		XMLName               xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
		Name                  string
		Prefix                string
		KeyCount              int
		MaxKeys               int
		IsTruncated           bool
		ContinuationToken     string `xml:",omitempty"`
		NextContinuationToken string `xml:",omitempty"`
		Contents              []content
	}
	res := result{Name: bucket, Prefix: prefix, MaxKeys: maxKeys, ContinuationToken: token}
	if len(keys) > maxKeys {
		keys = keys[:maxKeys]
		res.IsTruncated = true
		res.NextContinuationToken = keys[len(keys)-1]
	}
	for _, k := range keys {
		res.Contents = append(res.Contents, content{Key: k, Size: sizes[k], StorageClass: "STANDARD"})
	}
	res.KeyCount = len(res.Contents)
	w.Header().Set("Content-Type", "application/xml")
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(res)
}

// PutObject stores an object, creating the bucket if needed.
func (f *Fake) PutObject(bucket, key string, body []byte) {
	f.CreateBucket(bucket)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objects[bucket][key] = append([]byte(nil), body...)
}
