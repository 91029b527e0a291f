// runc-capbnd runs runc after removing, from the container's config, every capability
// outside this host's bounding set. Docker's --privileged asks for all of them; on a host
// whose own bounding set lacks one (these VMs lack CAP_SYS_RESOURCE) runc then fails with
// "unable to apply caps: operation not permitted", and kind's nodes cannot start.
// Without CAP_SYS_RESOURCE runc also cannot lower oom_score_adj below its own, which the
// kubelet asks for every critical pod (minikube's none driver runs them in this Docker):
// such a value is raised to runc's own, as containerd's restrict_oom_score_adj does.
// Every other container is passed through untouched.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// The kernel's capability numbers (linux/capability.h).
var capNames = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
	"CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
	"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
	"CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
}

func main() {
	runc, err := exec.LookPath("runc")
	if err != nil {
		fmt.Fprintf(os.Stderr, "runc-capbnd: %v\n", err)
		os.Exit(1)
	}
	if file, process := specOf(os.Args[1:]); file != "" {
		if err := trim(file, process); err != nil {
			fmt.Fprintf(os.Stderr, "runc-capbnd: %v\n", err)
			os.Exit(1)
		}
	}
	err = syscall.Exec(runc, append([]string{runc}, os.Args[1:]...), os.Environ())
	fmt.Fprintf(os.Stderr, "runc-capbnd: exec %s: %v\n", runc, err)
	os.Exit(1)
}

// specOf: the file that holds the container's process, and where in it: the bundle's
// config.json for `create` and `run` (runc's default bundle is the working directory), the
// --process file for `exec` (docker exec --privileged).
func specOf(args []string) (string, []string) {
	command, bundle, process := "", ".", ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case command != "" && (a == "--bundle" || a == "-b") && i+1 < len(args):
			bundle = args[i+1]
			i++
		case command != "" && strings.HasPrefix(a, "--bundle="):
			bundle = strings.TrimPrefix(a, "--bundle=")
		case command != "" && (a == "--process" || a == "-p") && i+1 < len(args):
			process = args[i+1]
			i++
		case command != "" && strings.HasPrefix(a, "--process="):
			process = strings.TrimPrefix(a, "--process=")
		case command == "" && !strings.HasPrefix(a, "-"):
			command = a
		case command == "" && i+1 < len(args) && globalWithValue(a):
			i++
		}
	}
	switch {
	case command == "create" || command == "run":
		return filepath.Join(bundle, "config.json"), []string{"process"}
	case command == "exec" && process != "":
		return process, []string{}
	}
	return "", nil
}

// runc's global options that take a value as the next argument.
func globalWithValue(a string) bool {
	switch a {
	case "--root", "--log", "--log-format", "--criu", "--rootless":
		return true
	}
	return false
}

func trim(path string, at []string) error {
	allowed, err := boundingSet()
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep 64-bit limits exact
	var spec map[string]any
	if err := dec.Decode(&spec); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	process := spec
	for _, key := range at {
		process, _ = process[key].(map[string]any)
	}
	caps, _ := process["capabilities"].(map[string]any)
	changed := false
	for set, v := range caps {
		list, _ := v.([]any)
		kept := make([]any, 0, len(list))
		for _, c := range list {
			if name, _ := c.(string); allowed[name] || !known(name) {
				kept = append(kept, c)
			}
		}
		if len(kept) != len(list) {
			caps[set] = kept
			changed = true
		}
	}
	if adj, ok := process["oomScoreAdj"].(json.Number); ok && !allowed["CAP_SYS_RESOURCE"] {
		own, err := ownOOMScoreAdj()
		if err != nil {
			return err
		}
		if want, err := adj.Int64(); err == nil && want < own {
			process["oomScoreAdj"] = own
			changed = true
		}
	}
	if !changed {
		return nil
	}
	out, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o600)
}

func ownOOMScoreAdj() (int64, error) {
	raw, err := os.ReadFile("/proc/self/oom_score_adj")
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
}

func known(name string) bool {
	for _, n := range capNames {
		if n == name {
			return true
		}
	}
	return false
}

// boundingSet: the names of the capabilities in this process's bounding set.
func boundingSet() (map[string]bool, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if hex, ok := strings.CutPrefix(s.Text(), "CapBnd:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
			if err != nil {
				return nil, err
			}
			set := map[string]bool{}
			for i, n := range capNames {
				if mask&(1<<uint(i)) != 0 {
					set[n] = true
				}
			}
			return set, nil
		}
	}
	return nil, fmt.Errorf("no CapBnd line in /proc/self/status")
}
