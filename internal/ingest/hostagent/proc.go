package hostagent

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// cpuTimes are the aggregate CPU counters of /proc/stat, in USER_HZ ticks.
type cpuTimes struct {
	user, nice, system, idle, iowait, irq, softirq, steal uint64
}

func (c cpuTimes) total() uint64 {
	return c.user + c.nice + c.system + c.idle + c.iowait + c.irq + c.softirq + c.steal
}

// parseStat reads the "cpu" line of /proc/stat.
func parseStat(data []byte) (cpuTimes, error) {
	for line := range bytes.Lines(data) {
		f := strings.Fields(string(line))
		if len(f) == 0 || f[0] != "cpu" {
			continue
		}
		if len(f) < 9 {
			return cpuTimes{}, fmt.Errorf("/proc/stat: cpu line has %d fields, want at least 9", len(f))
		}
		var v [8]uint64
		for i := range v {
			n, err := strconv.ParseUint(f[i+1], 10, 64)
			if err != nil {
				return cpuTimes{}, fmt.Errorf("/proc/stat: cpu field %d: %w", i+1, err)
			}
			v[i] = n
		}
		return cpuTimes{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]}, nil
	}
	return cpuTimes{}, fmt.Errorf("/proc/stat: no cpu line")
}

// parseLoadavg reads the 1, 5 and 15 minute load averages.
func parseLoadavg(data []byte) ([3]float64, error) {
	var out [3]float64
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return out, fmt.Errorf("/proc/loadavg: %d fields, want at least 3", len(f))
	}
	for i := range out {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil || !(v >= 0) || math.IsInf(v, 0) {
			return out, fmt.Errorf("/proc/loadavg: field %d %q is not a load", i+1, f[i])
		}
		out[i] = v
	}
	return out, nil
}

// meminfo holds the /proc/meminfo fields used, in kB.
type meminfo struct {
	total, available, swapTotal, swapFree uint64
	hasAvailable                          bool
	free, buffers, cached                 uint64
}

func parseMeminfo(data []byte) (meminfo, error) {
	var m meminfo
	seen := 0
	for line := range bytes.Lines(data) {
		k, rest, ok := strings.Cut(string(line), ":")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		v, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			return m, fmt.Errorf("/proc/meminfo: %s: %q is not a number", k, f[0])
		}
		switch k {
		case "MemTotal":
			m.total, seen = v, seen+1
		case "MemAvailable":
			m.available, m.hasAvailable = v, true
		case "MemFree":
			m.free = v
		case "Buffers":
			m.buffers = v
		case "Cached":
			m.cached = v
		case "SwapTotal":
			m.swapTotal = v
		case "SwapFree":
			m.swapFree = v
		}
	}
	if seen == 0 || m.total == 0 {
		return m, fmt.Errorf("/proc/meminfo: no MemTotal")
	}
	if !m.hasAvailable { // kernels before 3.14
		m.available = m.free + m.buffers + m.cached
	}
	if m.available > m.total {
		m.available = m.total
	}
	if m.swapFree > m.swapTotal {
		m.swapFree = m.swapTotal
	}
	return m, nil
}

// mount is one real filesystem from /proc/self/mounts.
type mount struct{ device, path, fstype string }

// realFS are the filesystem types that hold data a disk can fill.
var realFS = map[string]bool{
	"ext2": true, "ext3": true, "ext4": true, "xfs": true, "btrfs": true, "zfs": true, "f2fs": true,
	"vfat": true, "exfat": true, "ntfs": true, "ntfs3": true, "jfs": true, "reiserfs": true, "overlay": true, "fuseblk": true,
}

// parseMounts returns the real filesystems, one per device (the first
// mount point wins, as df shows it).
func parseMounts(data []byte) ([]mount, error) {
	var out []mount
	seen := map[string]bool{}
	for line := range bytes.Lines(data) {
		f := strings.Fields(string(line))
		if len(f) < 3 {
			continue
		}
		m := mount{device: f[0], path: unescapeMount(f[1]), fstype: f[2]}
		if !realFS[m.fstype] || seen[m.device] {
			continue
		}
		seen[m.device] = true
		out = append(out, m)
	}
	return out, nil
}

// unescapeMount undoes the octal escapes (\040 for a space) of mount paths.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ioCounters are cumulative byte counters in two directions.
type ioCounters struct{ in, out uint64 }

// parseDiskstats sums bytes read and written over whole disks: partitions
// (a device whose name extends another's, sda1 of sda) and loop and ram
// devices are left out so nothing is counted twice.
func parseDiskstats(data []byte) (ioCounters, error) {
	type dev struct {
		name       string
		read, writ uint64
	}
	var devs []dev
	for line := range bytes.Lines(data) {
		f := strings.Fields(string(line))
		if len(f) < 10 {
			continue
		}
		name := f[2]
		if strings.HasPrefix(name, "loop") || strings.HasPrefix(name, "ram") || strings.HasPrefix(name, "zram") {
			continue
		}
		r, err1 := strconv.ParseUint(f[5], 10, 64)
		w, err2 := strconv.ParseUint(f[9], 10, 64)
		if err1 != nil || err2 != nil {
			return ioCounters{}, fmt.Errorf("/proc/diskstats: device %s: sectors are not numbers", name)
		}
		devs = append(devs, dev{name, r, w})
	}
	var c ioCounters
	for _, d := range devs {
		partition := false
		for _, o := range devs {
			if o.name != d.name && strings.HasPrefix(d.name, o.name) {
				partition = true
				break
			}
		}
		if !partition {
			c.in += d.read * 512 // diskstats sectors are always 512 bytes
			c.out += d.writ * 512
		}
	}
	return c, nil
}

// parseNetDev sums received and transmitted bytes over every interface but
// loopback.
func parseNetDev(data []byte) (ioCounters, error) {
	var c ioCounters
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		name = strings.TrimSpace(name)
		f := strings.Fields(rest)
		if name == "lo" || len(f) < 9 {
			continue
		}
		rx, err1 := strconv.ParseUint(f[0], 10, 64)
		tx, err2 := strconv.ParseUint(f[8], 10, 64)
		if err1 != nil || err2 != nil {
			return c, fmt.Errorf("/proc/net/dev: interface %s: byte counters are not numbers", name)
		}
		c.in += rx
		c.out += tx
	}
	return c, sc.Err()
}
