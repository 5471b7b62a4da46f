/*
 * malloc_count: an LD_PRELOAD shim that says which function of a program
 * holds its live heap memory.
 *
 * Every malloc, calloc, realloc and aligned allocation is recorded with
 * its size and its site: the first two return addresses that lie in the
 * main executable (so memory OpenSSL allocates inside SSL_new() is
 * charged to the program function that called SSL_new(), and to that
 * function's caller). free() and realloc() take the record away. When the
 * file named by MALLOC_COUNT_TRIGGER appears, a thread of the shim writes
 * the live totals per site to MALLOC_COUNT_OUT and removes the trigger:
 *
 *   site-offset caller-offset count requested-bytes chunk-bytes
 *
 * Offsets are from the executable's load address (addr2line -e PROGRAM
 * turns them into function names). chunk-bytes is what glibc really uses
 * for the block (usable size plus its 8-byte header), so chunk minus
 * requested is the allocator's overhead.
 *
 * Tables live in mmap()ed memory, never in the heap being measured.
 * Allocations made while the shim itself is working (backtrace() may
 * allocate once) pass through untracked. For benchmarks only: every
 * allocation pays for a backtrace.
 */
#include <dlfcn.h>
#include <execinfo.h>
#include <link.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

#define SITES_MAX 8192
#define DEPTH 24

struct rec {
	uintptr_t ptr; /* 0: empty; 1: deleted */
	size_t size;
	uint32_t site;
};

struct site {
	uintptr_t a, b; /* offsets of the two innermost program frames */
	uint64_t count, bytes, chunk;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static __thread int busy;
static int ready;
static uintptr_t exe_lo, exe_hi, exe_base;
static struct rec *tab;
static size_t tab_cap, tab_used; /* used counts deleted slots too */
static struct site sites[SITES_MAX];
static uint32_t nsites;

static int
find_exe(struct dl_phdr_info *info, size_t size, void *data)
{
	int i;

	(void)size;
	(void)data;
	/* The first object is the executable. */
	exe_base = info->dlpi_addr;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
			exe_lo = info->dlpi_addr + ph->p_vaddr;
			exe_hi = exe_lo + ph->p_memsz;
		}
	}
	return 1;
}

static size_t
slot_of(uintptr_t p, size_t cap)
{
	return (size_t)((p >> 4) * 0x9e3779b97f4a7c15ull) & (cap - 1);
}

static int
grow(void)
{
	size_t ncap = tab_cap ? tab_cap * 2 : (1u << 20), i, j;
	struct rec *n;

	n = mmap(NULL, ncap * sizeof(*n), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (n == MAP_FAILED)
		return -1;
	tab_used = 0;
	for (i = 0; i < tab_cap; i++) {
		if (tab[i].ptr <= 1)
			continue;
		for (j = slot_of(tab[i].ptr, ncap); n[j].ptr != 0;
		     j = (j + 1) & (ncap - 1))
			;
		n[j] = tab[i];
		tab_used++;
	}
	if (tab != NULL)
		munmap(tab, tab_cap * sizeof(*tab));
	tab = n;
	tab_cap = ncap;
	return 0;
}

static uint32_t
site_of(void)
{
	void *fr[DEPTH];
	uintptr_t a = 0, b = 0;
	int n, i;
	uint32_t s;

	n = backtrace(fr, DEPTH);
	for (i = 0; i < n; i++) {
		uintptr_t pc = (uintptr_t)fr[i];

		if (pc < exe_lo || pc >= exe_hi)
			continue;
		if (a == 0)
			a = pc - exe_base;
		else {
			b = pc - exe_base;
			break;
		}
	}
	for (s = 0; s < nsites; s++)
		if (sites[s].a == a && sites[s].b == b)
			return s;
	if (nsites == SITES_MAX)
		return SITES_MAX - 1; /* everything else, lumped */
	sites[nsites].a = a;
	sites[nsites].b = b;
	return nsites++;
}

static void
record(void *p, size_t size)
{
	struct site *st;
	uint32_t s;
	size_t j;

	if (p == NULL || !ready || busy)
		return;
	busy = 1;
	s = site_of(); /* outside the lock: backtrace() is slow */
	pthread_mutex_lock(&mu);
	if ((tab_used + 1) * 4 >= tab_cap * 3 && grow() == -1)
		goto out;
	for (j = slot_of((uintptr_t)p, tab_cap); tab[j].ptr > 1;
	     j = (j + 1) & (tab_cap - 1))
		;
	if (tab[j].ptr == 0)
		tab_used++;
	tab[j].ptr = (uintptr_t)p;
	tab[j].size = size;
	tab[j].site = s;
	st = &sites[s];
	st->count++;
	st->bytes += size;
	st->chunk += malloc_usable_size(p) + sizeof(size_t);
out:
	pthread_mutex_unlock(&mu);
	busy = 0;
}

/* Takes p's record away; call before the block is freed. */
static void
forget(void *p)
{
	struct site *st;
	size_t j;

	if (p == NULL || !ready)
		return;
	pthread_mutex_lock(&mu);
	if (tab_cap == 0)
		goto out;
	for (j = slot_of((uintptr_t)p, tab_cap); tab[j].ptr != 0;
	     j = (j + 1) & (tab_cap - 1)) {
		if (tab[j].ptr != (uintptr_t)p)
			continue;
		st = &sites[tab[j].site];
		st->count--;
		st->bytes -= tab[j].size;
		st->chunk -= malloc_usable_size(p) + sizeof(size_t);
		tab[j].ptr = 1;
		break;
	}
out:
	pthread_mutex_unlock(&mu);
}

static void
dump(const char *path)
{
	char tmp[4096];
	uint32_t s;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	busy = 1;
	if ((f = fopen(tmp, "w")) == NULL) {
		busy = 0;
		return;
	}
	pthread_mutex_lock(&mu);
	{
		/* The allocator's own view of its main arena: in use, free
		 * but kept, and mmap()ed blocks. */
		struct mallinfo2 mi = mallinfo2();

		fprintf(f,
		    "# mallinfo2 arena %zu uordblks %zu fordblks %zu "
		    "hblkhd %zu\n",
		    mi.arena, mi.uordblks, mi.fordblks, mi.hblkhd);
	}
	for (s = 0; s < nsites; s++)
		if (sites[s].count > 0)
			fprintf(f, "%#lx %#lx %llu %llu %llu\n",
			    (unsigned long)sites[s].a,
			    (unsigned long)sites[s].b,
			    (unsigned long long)sites[s].count,
			    (unsigned long long)sites[s].bytes,
			    (unsigned long long)sites[s].chunk);
	pthread_mutex_unlock(&mu);
	fclose(f);
	rename(tmp, path);
	busy = 0;
}

static void *
watcher(void *arg)
{
	const char *trigger = getenv("MALLOC_COUNT_TRIGGER");
	const char *out = getenv("MALLOC_COUNT_OUT");

	(void)arg;
	busy = 1; /* this thread's own allocations are not the program's */
	for (;;) {
		if (access(trigger, F_OK) == 0) {
			dump(out);
			unlink(trigger);
		}
		usleep(100000);
	}
	return NULL;
}

__attribute__((constructor)) static void
init(void)
{
	pthread_t t;
	void *fr[2];

	busy = 1;
	dl_iterate_phdr(find_exe, NULL);
	backtrace(fr, 2); /* loads the unwinder now, not inside malloc */
	if (getenv("MALLOC_COUNT_TRIGGER") != NULL &&
	    getenv("MALLOC_COUNT_OUT") != NULL)
		pthread_create(&t, NULL, watcher, NULL);
	busy = 0;
	ready = 1;
}

void *
malloc(size_t n)
{
	void *p = __libc_malloc(n);

	record(p, n);
	return p;
}

void *
calloc(size_t n, size_t m)
{
	void *p = __libc_calloc(n, m);

	record(p, n * m);
	return p;
}

void *
realloc(void *old, size_t n)
{
	void *p;

	forget(old);
	p = __libc_realloc(old, n);
	if (p != NULL)
		record(p, n);
	else if (old != NULL && n != 0)
		record(old, malloc_usable_size(old)); /* old block kept */
	return p;
}

void
free(void *p)
{
	forget(p);
	__libc_free(p);
}

void *
memalign(size_t al, size_t n)
{
	void *p = __libc_memalign(al, n);

	record(p, n);
	return p;
}

void *
aligned_alloc(size_t al, size_t n)
{
	return memalign(al, n);
}

int
posix_memalign(void **out, size_t al, size_t n)
{
	void *p = __libc_memalign(al, n);

	if (p == NULL)
		return 12; /* ENOMEM */
	record(p, n);
	*out = p;
	return 0;
}
