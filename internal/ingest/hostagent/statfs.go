package hostagent

import (
	"errors"

	"golang.org/x/sys/unix"
)

// statfs reads disk space with statfs(2), as df computes it: used is
// blocks − free, avail is what unprivileged users may still write.
func statfs(path string) (size, avail, used uint64, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return 0, 0, 0, err
	}
	bs := uint64(st.Bsize)
	if st.Blocks < st.Bfree {
		return 0, 0, 0, errors.New("statfs: more free blocks than blocks")
	}
	return st.Blocks * bs, st.Bavail * bs, (st.Blocks - st.Bfree) * bs, nil
}

func joinErrs(errs []error) error { return errors.Join(errs...) }
