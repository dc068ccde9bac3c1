// SPDX-License-Identifier: GPL-2.0-or-later
/* runtool.c - run the tool and inspect its vmcore in tests; see runtool.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtool.h"

static char *tool_path(void)
{
	static char path[4096];
	const char *b = getenv("QLD_BUILDDIR");

	snprintf(path, sizeof(path), "%s/src/qemu-livedump", b ? b : ".");
	return path;
}

static void exec_tool(const char *const *argv, const char *const *env)
{
	const char *args[96];
	const char *wrapper = getenv("QLD_TOOL_WRAPPER");
	char *words = wrapper ? strdup(wrapper) : NULL;
	int n = 0;

	/* QLD_TOOL_WRAPPER="valgrind -q ...": the tool runs under it */
	for (char *save = NULL, *w = words ? strtok_r(words, " ", &save) : NULL;
	     w && n < 30; w = strtok_r(NULL, " ", &save))
		args[n++] = w;
	if (n) {
		args[n++] = tool_path();
		for (int i = 1; argv[i] && n < 95; i++)
			args[n++] = argv[i];
		args[n] = NULL;
		setenv("QEMU_LIVEDUMP_PROFILE_CACHE", "", 1);
		for (int i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		execvp(args[0], (char **)args);
		_exit(127);
	}
	args[n++] = "qemu-livedump";
	for (int i = 1; argv[i] && n < 63; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	/* Hermetic: no profile cache unless the test names one. */
	setenv("QEMU_LIVEDUMP_PROFILE_CACHE", "", 1);
	for (int i = 0; env && env[i]; i++)
		putenv((char *)env[i]);
	execv(tool_path(), (char **)args);
	_exit(127);
}

static int wait_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

bool tool_run(struct tool_run *r, const char *const *argv,
	      const char *const *env, int stdout_fd, int timeout_s)
{
	int pipefd[2];
	size_t len = 0;
	time_t deadline = time(NULL) + timeout_s;
	pid_t pid;
	int st;

	memset(r, 0, sizeof(*r));
	if (pipe2(pipefd, O_CLOEXEC))
		return false;
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		dup2(pipefd[1], 2);
		dup2(stdout_fd >= 0 ? stdout_fd : devnull, 1);
		dup2(devnull, 0);
		exec_tool(argv, env);
	}
	close(pipefd[1]);
	for (;;) {
		struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
		int left = (int)(deadline - time(NULL));
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, left * 1000) <= 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			close(pipefd[0]);
			return false;
		}
		n = read(pipefd[0], r->err + len, sizeof(r->err) - 1 - len);
		if (n <= 0)
			break;
		len += n;
		if (len == sizeof(r->err) - 1)
			break;
	}
	close(pipefd[0]);
	r->err[len] = '\0';
	waitpid(pid, &st, 0);
	r->status = wait_status(st);
	return true;
}

pid_t tool_spawn(const char *const *argv, const char *const *env)
{
	pid_t pid = fork();

	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);
		int log = open("/tmp/qld-test-spawned.log",
			       O_WRONLY | O_CREAT | O_APPEND, 0600);

		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(log >= 0 ? log : devnull, 2);
		exec_tool(argv, env);
	}
	return pid;
}

char *tmpdir_make(void)
{
	char *d = strdup("/tmp/qld-test-XXXXXX");

	if (!d || !mkdtemp(d)) {
		free(d);
		return NULL;
	}
	return d;
}

static int rm_entry(const char *path, const struct stat *sb, int type,
		    struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

void tmpdir_remove(char *dir)
{
	if (dir)
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

int dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

bool vmcore_open(struct vmcore *vc, const char *path)
{
	struct stat st;

	memset(vc, 0, sizeof(*vc));
	elf_version(EV_CURRENT);
	vc->fd = open(path, O_RDONLY);
	if (vc->fd < 0 || fstat(vc->fd, &st))
		return false;
	vc->size = st.st_size;
	vc->data = mmap(NULL, vc->size, PROT_READ, MAP_PRIVATE, vc->fd, 0);
	if (vc->data == MAP_FAILED)
		return false;
	vc->elf = elf_begin(vc->fd, ELF_C_READ, NULL);
	if (!vc->elf || elf_kind(vc->elf) != ELF_K_ELF ||
	    elf_getphdrnum(vc->elf, &vc->phnum))
		return false;
	return true;
}

void vmcore_close(struct vmcore *vc)
{
	if (vc->elf)
		elf_end(vc->elf);
	if (vc->data && vc->data != MAP_FAILED)
		munmap((void *)vc->data, vc->size);
	if (vc->fd >= 0)
		close(vc->fd);
	memset(vc, 0, sizeof(*vc));
	vc->fd = -1;
}

int vmcore_notes(struct vmcore *vc, const char *name, uint32_t type,
		 void *first_desc, size_t desc_len)
{
	int count = 0;

	for (size_t i = 0; i < vc->phnum; i++) {
		GElf_Phdr ph;
		Elf_Data *d;
		GElf_Nhdr nh;
		size_t off = 0, noff, doff;

		if (!gelf_getphdr(vc->elf, i, &ph) || ph.p_type != PT_NOTE)
			continue;
		d = elf_getdata_rawchunk(vc->elf, ph.p_offset, ph.p_filesz,
					 ELF_T_NHDR);
		if (!d)
			continue;
		while ((off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
			const char *n = (const char *)d->d_buf + noff;

			if (nh.n_type != type || nh.n_namesz != strlen(name) + 1 ||
			    memcmp(n, name, nh.n_namesz))
				continue;
			if (!count && first_desc)
				memcpy(first_desc, (const char *)d->d_buf + doff,
				       desc_len < nh.n_descsz ? desc_len : nh.n_descsz);
			count++;
		}
	}
	return count;
}

bool all_threads_running(pid_t pid)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	bool ok = true;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return false;
	while ((e = readdir(d))) {
		char stat_path[512], buf[512], *p;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(stat_path, sizeof(stat_path), "%s/%s/stat", path, e->d_name);
		f = fopen(stat_path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
		    (p[2] == 't' || p[2] == 'T'))
			ok = false;
		fclose(f);
	}
	closedir(d);
	return ok;
}

uint64_t peek_u64(pid_t pid, uint64_t addr)
{
	uint64_t v = 0;
	struct iovec l = { &v, 8 }, r = { (void *)(uintptr_t)addr, 8 };

	if (process_vm_readv(pid, &l, 1, &r, 1, 0) != 8)
		return 0;
	return v;
}

bool value_advances(pid_t pid, uint64_t addr, int timeout_ms)
{
	uint64_t first = peek_u64(pid, addr);

	for (int waited = 0; waited < timeout_ms; waited += 5) {
		usleep(5000);
		if (peek_u64(pid, addr) != first)
			return true;
	}
	return false;
}
