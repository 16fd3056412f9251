/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The reader child's sandbox: PR_SET_NO_NEW_PRIVS, Landlock where the
 * kernel has it, and a seccomp-BPF allow-list written as raw BPF (no
 * libseccomp: the filter is under a hundred instructions, and one less
 * library in a process that parses hostile input is one less to trust).
 *
 * Why an allow-list of system calls rather than a separate user or
 * Landlock alone: the service already runs as its own user (seuil), which
 * may read the database and the UID key and connect to the control
 * socket, so another uid would need root to switch to; Landlock stops
 * opening files but not connecting to a Unix socket or, before Linux 6.7,
 * a TCP port.  The list below comes from strace of the sim and libnfc
 * (pn532_uart) readers after their device is open, in the normal and the
 * ASan builds.  A call outside it fails with EPERM rather than killing the
 * child: libnfc then reports an error, the child exits, and the supervisor
 * logs why; a wrong architecture (a 32-bit call on a 64-bit kernel) kills.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>

#include "reader_sandbox.h"

#if defined(__x86_64__)
#define SANDBOX_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_ARCH	AUDIT_ARCH_AARCH64
#elif defined(__arm__)
#define SANDBOX_ARCH	AUDIT_ARCH_ARM
#elif defined(__i386__)
#define SANDBOX_ARCH	AUDIT_ARCH_I386
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LO(i)	(offsetof(struct seccomp_data, args) + 8 * (i))
#define ARG_HI(i)	(offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#else
#define ARG_LO(i)	(offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#define ARG_HI(i)	(offsetof(struct seccomp_data, args) + 8 * (i))
#endif

#define DENY		(SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))

/* Allowed whatever their arguments: none can reach a file by name, a new
 * socket, another process or a credential.  ioctl, mmap, mprotect and
 * sendto are allowed below with their arguments checked. */
static const int allowed[] = {
	/* the open device, the FIFO, the socketpair, stderr */
	SYS_read, SYS_readv, SYS_write, SYS_writev, SYS_close, SYS_lseek,
	SYS_fcntl,
#ifdef SYS_fcntl64
	SYS_fcntl64,
#endif
#ifdef SYS_send
	SYS_send,		/* arm: send() on the connected socketpair */
#endif
#ifdef SYS_poll
	SYS_poll,
#endif
	SYS_ppoll,
#ifdef SYS_ppoll_time64
	SYS_ppoll_time64,
#endif
#ifdef SYS_select
	SYS_select,
#endif
#ifdef SYS__newselect
	SYS__newselect,
#endif
	SYS_pselect6,
#ifdef SYS_pselect6_time64
	SYS_pselect6_time64,
#endif
	/* time */
	SYS_nanosleep, SYS_clock_nanosleep, SYS_clock_gettime, SYS_clock_getres,
	SYS_gettimeofday,
	/* reader_nfc's InAutoPoll watchdog: arm/disarm its timer, and
	 * nfc_abort_command's new abort pipe (close + pipe) */
	SYS_timer_settime, SYS_timer_delete, SYS_pipe2,
#ifdef SYS_timer_settime64
	SYS_timer_settime64,
#endif
#ifdef SYS_pipe
	SYS_pipe,
#endif
#ifdef SYS_clock_nanosleep_time64
	SYS_clock_nanosleep_time64,
#endif
#ifdef SYS_clock_gettime64
	SYS_clock_gettime64,
#endif
#ifdef SYS_time
	SYS_time,
#endif
	/* memory (mmap and mprotect below) */
	SYS_brk, SYS_munmap, SYS_mremap, SYS_madvise,
	/* glibc internals: locks, signals, identity, randomness */
	SYS_futex,
#ifdef SYS_futex_time64
	SYS_futex_time64,
#endif
	SYS_rt_sigreturn, SYS_rt_sigprocmask, SYS_restart_syscall,
	SYS_sigaltstack,	/* ASan asks before every noreturn call */
#ifdef SYS_sigreturn
	SYS_sigreturn,
#endif
	SYS_sched_yield, SYS_getpid, SYS_gettid, SYS_getrandom,
	SYS_exit, SYS_exit_group,
};

/* mmap and mprotect, never executable: no new code after the sandbox. */
static const int no_exec[] = {
	SYS_mprotect,
#ifdef SYS_mmap
	SYS_mmap,
#endif
#ifdef SYS_mmap2
	SYS_mmap2,
#endif
};

#define MAX_INSNS	160

struct bpf_buf {
	struct sock_filter insn[MAX_INSNS];
	unsigned short n;
};

static void
emit(struct bpf_buf *b, struct sock_filter f)
{
	if (b->n < MAX_INSNS)
		b->insn[b->n] = f;
	b->n++;		/* an overflow is caught before the filter is used */
}

static void
sandbox_build(struct bpf_buf *b)
{
	size_t i;

	emit(b, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, arch)));
	emit(b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0));
	emit(b, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
	emit(b, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr)));
#ifdef __x86_64__
	/* x32 calls share the architecture value: refuse them all. */
	emit(b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1));
	emit(b, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY));
#endif
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		emit(b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		    (unsigned)allowed[i], 0, 1));
		emit(b, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	}

	/* ioctl on what is open, but not TIOCSTI (typing into a terminal
	 * that stderr may be) nor TIOCLINUX. */
	emit(b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 0, 5));
	emit(b, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)));
	emit(b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCSTI, 2, 0));
	emit(b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCLINUX, 1, 0));
	emit(b, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	emit(b, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY));

	for (i = 0; i < sizeof(no_exec) / sizeof(no_exec[0]); i++) {
		emit(b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		    (unsigned)no_exec[i], 0, 4));
		emit(b, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(2)));
		emit(b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 1, 0));
		emit(b, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
		emit(b, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY));
		/* A was overwritten only on the path that returned. */
	}

	/* sendto on a connected socket only: no destination address, so
	 * even a datagram socket cannot be pointed anywhere new. */
	emit(b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sendto, 0, 6));
	emit(b, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(4)));
	emit(b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3));
	emit(b, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_HI(4)));
	emit(b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1));
	emit(b, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	emit(b, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY));

	emit(b, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY));
}

#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)
#endif

/*
 * A Landlock domain that handles every file right and grants none: no
 * path can be opened, created or executed, whatever seccomp lets through.
 * A second wall behind the seccomp one; skipped where the kernel (or
 * qemu-user) has no Landlock.
 */
static void
sandbox_landlock(void)
{
#ifdef SYS_landlock_create_ruleset
	struct landlock_ruleset_attr attr;
	long abi;
	int fd;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1)
		return;
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;	/* ABI 1 */
	if (abi >= 2)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (fd == -1)
		return;
	syscall(SYS_landlock_restrict_self, fd, 0);
	close(fd);
#endif
}

int
reader_sandbox_enter(char *err, size_t errlen)
{
#ifndef SANDBOX_ARCH
	snprintf(err, errlen, "no seccomp filter for this architecture");
	errno = ENOTSUP;
	return -1;
#else
	static struct bpf_buf b;
	struct sock_fprog prog;
	int saved;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		saved = errno;
		snprintf(err, errlen, "cannot set no_new_privs: %s", strerror(saved));
		errno = saved;
		return -1;
	}
	sandbox_landlock();

	b.n = 0;
	sandbox_build(&b);
	if (b.n > MAX_INSNS) {
		snprintf(err, errlen, "seccomp filter too long");
		errno = E2BIG;
		return -1;
	}
	prog.len = b.n;
	prog.filter = b.insn;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == -1) {
		saved = errno;
		snprintf(err, errlen, "cannot install the seccomp filter: %s",
		    strerror(saved));
		errno = saved;
		return -1;
	}
	return 0;
#endif
}
