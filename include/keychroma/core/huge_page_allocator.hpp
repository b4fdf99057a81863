#pragma once
// An allocator for large, long-lived buffers (the CPU backend's activations and workspaces) that
// asks the kernel to back them with transparent huge pages. Why: the first touch of every 4 KiB
// page is a page fault, and a network at 1280x720 touches 6.4 GB in its first batch, 1.6 million
// faults that took 18 s of kernel time on a virtual machine (docs/pipeline.md); a 2 MiB page is
// one fault for 512 of them. Debian's kernels give huge pages only where madvise asks
// (transparent_hugepage "madvise"), so the advice is what makes them; where it is refused
// (THP "never", other systems) the memory is ordinary memory.
//
// Requests of at least huge_page_bytes are rounded up to whole huge pages and aligned to one
// (a huge page maps only an aligned 2 MiB range); smaller ones keep the 64-byte alignment of
// AVX-512 loads and cost nothing extra. Memory comes from operator new either way, so sanitizers
// and leak checkers see it as they see any other allocation.

#include <cstddef>
#include <limits>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace keychroma {

/// The size and alignment of a transparent huge page on x86-64 and most AArch64 kernels.
inline constexpr std::size_t huge_page_bytes = std::size_t(2) << 20;

template <class T>
class huge_page_allocator {
public:
    using value_type = T;

    huge_page_allocator() noexcept = default;
    template <class U>
    huge_page_allocator(const huge_page_allocator<U>&) noexcept {}

    [[nodiscard]] T* allocate(std::size_t n) {
        if (n > std::numeric_limits<std::size_t>::max() / sizeof(T) - huge_page_bytes)
            throw std::bad_array_new_length();
        const std::size_t bytes = n * sizeof(T);
        if (!is_huge(bytes)) return static_cast<T*>(::operator new(bytes, small_alignment));
        const std::size_t rounded = round_up(bytes);
        void* p = ::operator new(rounded, huge_alignment);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
        ::madvise(p, rounded, MADV_HUGEPAGE); // advice: refused means 4 KiB pages, still correct
#endif
        return static_cast<T*>(p);
    }

    void deallocate(T* p, std::size_t n) noexcept {
        // unsized: clang enables sized deallocation only with -fsized-deallocation
        ::operator delete(p, is_huge(n * sizeof(T)) ? huge_alignment : small_alignment);
    }

    template <class U>
    friend bool operator==(const huge_page_allocator&, const huge_page_allocator<U>&) noexcept {
        return true; // stateless: any one frees what another allocated
    }

private:
    static constexpr std::align_val_t small_alignment{64};
    static constexpr std::align_val_t huge_alignment{huge_page_bytes};

    static constexpr bool is_huge(std::size_t bytes) noexcept {
        return bytes >= huge_page_bytes;
    }
    static constexpr std::size_t round_up(std::size_t bytes) noexcept {
        return (bytes + huge_page_bytes - 1) / huge_page_bytes * huge_page_bytes;
    }
};

} // namespace keychroma
