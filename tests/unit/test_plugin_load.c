// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The built plugin loads the way libibverbs loads it (dlopen RTLD_NOW: every
 * symbol resolves, its constructor registers it with the real libibverbs),
 * and it exports nothing beyond what libsoftodp.map allows.
 *
 * usage: test_plugin_load PATH/libsoftodp-rdmav34.so
 */
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sod_test.h"

/* Defined dynamic symbols the version script lets through (none). */
static const char *const allowed_exports[] = { NULL };

/* Internal names that must not be visible. */
static const char *const hidden_names[] = {
	"softodp_dev_ops",	 "softodp_ctx_ops",
	"softodp_match_table",	 "softodp_match_device",
	"softodp_alloc_device",	 "softodp_uninit_device",
	"softodp_alloc_context", "softodp_free_context",
	"softodp_alloc_pd",	 "softodp_dealloc_pd",
	"softodp_query_port",	 "softodp_query_device_ex",
	"softodp_register_driver", "softodp_format_fw_ver",
	"softodp_hca_type_matches", "verbs_provider_softodp",
	"softodp_create_cq",	 "softodp_poll_cq",
	"softodp_create_qp",	 "softodp_post_send",
	"softodp_post_recv",	 "softodp_post_recv_ring",
	"softodp_create_srq",	 "softodp_post_srq_recv",
	"softodp_reg_mr",	 "softodp_create_ah",
	"softodp_queue_map",	 "softodp_encode_send_wqe",
	"softodp_encode_recv_wqe", "softodp_cqe_to_wc",
	NULL,
};

static bool is_allowed(const char *name)
{
	for (size_t i = 0; allowed_exports[i]; i++)
		if (strcmp(allowed_exports[i], name) == 0)
			return true;
	return false;
}

struct elf_file {
	const unsigned char *base;
	size_t size;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
};

static const Elf64_Shdr *find_section(const struct elf_file *f, Elf64_Word type)
{
	for (unsigned int i = 0; i < f->eh->e_shnum; i++)
		if (f->sh[i].sh_type == type)
			return &f->sh[i];
	return NULL;
}

static bool in_file(const struct elf_file *f, uint64_t off, uint64_t len)
{
	return off <= f->size && len <= f->size - off;
}

static const char *strtab_at(const struct elf_file *f, const Elf64_Shdr *strtab,
			     uint64_t idx)
{
	if (idx >= strtab->sh_size)
		return "";
	return (const char *)f->base + strtab->sh_offset + idx;
}

/* Walk .dynsym: every defined global/weak symbol must be allowed. */
static void check_exports(const struct elf_file *f)
{
	const Elf64_Shdr *dynsym = find_section(f, SHT_DYNSYM);
	const Elf64_Shdr *strtab;
	unsigned int defined = 0;

	CHECK(dynsym != NULL);
	if (!dynsym)
		return;
	CHECK(dynsym->sh_link < f->eh->e_shnum);
	if (dynsym->sh_link >= f->eh->e_shnum)
		return;
	strtab = &f->sh[dynsym->sh_link];
	CHECK(in_file(f, dynsym->sh_offset, dynsym->sh_size));
	CHECK(in_file(f, strtab->sh_offset, strtab->sh_size));

	for (uint64_t off = 0; off + sizeof(Elf64_Sym) <= dynsym->sh_size;
	     off += sizeof(Elf64_Sym)) {
		const Elf64_Sym *sym =
			(const void *)(f->base + dynsym->sh_offset + off);
		unsigned char bind = ELF64_ST_BIND(sym->st_info);
		const char *name = strtab_at(f, strtab, sym->st_name);

		if (sym->st_shndx == SHN_UNDEF)
			continue;
		if (bind != STB_GLOBAL && bind != STB_WEAK &&
		    bind != STB_GNU_UNIQUE)
			continue;
		defined++;
		if (!is_allowed(name)) {
			fprintf(stderr, "plugin exports unexpected symbol '%s'\n",
				name);
			CHECK(is_allowed(name));
		}
	}
	printf("plugin defines %u exported symbol(s)\n", defined);
}

/* The plugin must need libibverbs.so.1 at IBVERBS_PRIVATE_34, nothing else. */
static void check_verneed(const struct elf_file *f)
{
	const Elf64_Shdr *vn = find_section(f, SHT_GNU_verneed);
	const Elf64_Shdr *strtab;
	bool found = false;
	uint64_t off;

	CHECK(vn != NULL);
	if (!vn || vn->sh_link >= f->eh->e_shnum)
		return;
	strtab = &f->sh[vn->sh_link];
	off = vn->sh_offset;

	for (unsigned int i = 0; i < vn->sh_info; i++) {
		const Elf64_Verneed *need;
		uint64_t aux_off;

		if (!in_file(f, off, sizeof(*need)))
			break;
		need = (const void *)(f->base + off);
		aux_off = off + need->vn_aux;
		for (unsigned int j = 0; j < need->vn_cnt; j++) {
			const Elf64_Vernaux *aux;
			const char *file = strtab_at(f, strtab, need->vn_file);
			const char *ver;

			if (!in_file(f, aux_off, sizeof(*aux)))
				break;
			aux = (const void *)(f->base + aux_off);
			ver = strtab_at(f, strtab, aux->vna_name);
			printf("plugin needs %s from %s\n", ver, file);
			if (strcmp(file, "libibverbs.so.1") == 0) {
				CHECK_STREQ(ver, "IBVERBS_PRIVATE_34");
				if (strcmp(ver, "IBVERBS_PRIVATE_34") == 0)
					found = true;
			}
			aux_off += aux->vna_next;
		}
		off += need->vn_next;
	}
	CHECK(found);
}

static void check_elf(const char *path)
{
	struct elf_file f;
	struct stat st;
	void *map;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(fstat(fd, &st) == 0);
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	CHECK(map != MAP_FAILED);
	if (map == MAP_FAILED)
		return;

	f.base = map;
	f.size = (size_t)st.st_size;
	f.eh = map;
	CHECK(f.size >= sizeof(Elf64_Ehdr));
	CHECK(memcmp(f.eh->e_ident, ELFMAG, SELFMAG) == 0);
	CHECK(f.eh->e_ident[EI_CLASS] == ELFCLASS64);
	CHECK(f.eh->e_type == ET_DYN);
	CHECK(f.eh->e_shentsize == sizeof(Elf64_Shdr));
	CHECK(in_file(&f, f.eh->e_shoff,
		      (uint64_t)f.eh->e_shnum * sizeof(Elf64_Shdr)));
	if (sod_test_failures == 0) {
		f.sh = (const void *)(f.base + f.eh->e_shoff);
		check_exports(&f);
		check_verneed(&f);
	}
	munmap(map, f.size);
}

int main(int argc, char **argv)
{
	void *handle;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PLUGIN.so\n", argv[0]);
		return 2;
	}

	/* Exactly how libibverbs' load_driver() opens a provider. */
	handle = dlopen(argv[1], RTLD_NOW);
	if (!handle)
		fprintf(stderr, "dlopen(%s): %s\n", argv[1], dlerror());
	CHECK(handle != NULL);

	if (handle) {
		for (size_t i = 0; hidden_names[i]; i++) {
			void *sym;

			dlerror();
			sym = dlsym(handle, hidden_names[i]);
			if (sym)
				fprintf(stderr, "internal symbol '%s' is visible\n",
					hidden_names[i]);
			CHECK(sym == NULL);
		}
		/*
		 * Not dlclose()d: the plugin registered its ops with
		 * libibverbs, which keeps the pointer (as it does for
		 * every provider it loads).
		 */
	}

	check_elf(argv[1]);

	return sod_test_done("test_plugin_load");
}
