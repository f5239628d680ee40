/* Compiler helpers shared by dissectors/ and src/. */
#ifndef MTLS_COMPILER_H
#define MTLS_COMPILER_H

#if defined(__GNUC__) || defined(__clang__)
#define MTLS_WARN_UNUSED __attribute__((warn_unused_result))
#define MTLS_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define MTLS_UNUSED __attribute__((unused))
#else
#define MTLS_WARN_UNUSED
#define MTLS_PRINTF(fmt, args)
#define MTLS_UNUSED
#endif

#define MTLS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MTLS_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)

#endif
