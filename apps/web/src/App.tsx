import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Dashboard } from "./components/Dashboard.tsx";
import { LoginForm } from "./components/LoginForm.tsx";
import { ToastProvider } from "./components/Toasts.tsx";
import { getToken, onSessionChangedElsewhere, setToken } from "./session.ts";
import { createTrpcClient, trpc } from "./trpc.ts";

function isUnauthorized(error: unknown): boolean {
  return (error as { data?: { code?: string } } | null)?.data?.code === "UNAUTHORIZED";
}

export function App() {
  const [signedIn, setSignedIn] = useState(() => getToken() !== null);
  const [queryClient] = useState(() => {
    // An expired or revoked token anywhere sends the user back to the sign-in form.
    const onError = (error: unknown) => {
      if (isUnauthorized(error) && getToken() !== null) signOut();
    };
    return new QueryClient({
      queryCache: new QueryCache({ onError }),
      mutationCache: new MutationCache({ onError }),
      defaultOptions: { queries: { retry: (count, error) => !isUnauthorized(error) && count < 2 } },
    });
  });
  const [trpcClient] = useState(createTrpcClient);

  function signOut() {
    setToken(null);
    queryClient.clear();
    setSignedIn(false);
  }

  // One session for every tab: signing in or out in another tab does the same here.
  useEffect(
    () =>
      onSessionChangedElsewhere((token) => {
        queryClient.clear();
        setSignedIn(token !== null);
      }),
    [queryClient],
  );

  return (
    <trpc.Provider client={trpcClient} queryClient={queryClient}>
      <QueryClientProvider client={queryClient}>
        <ToastProvider>
          {signedIn ? (
            <Dashboard onSignOut={signOut} />
          ) : (
            <LoginForm
              onSignedIn={(token) => {
                setToken(token);
                queryClient.clear();
                setSignedIn(true);
              }}
            />
          )}
        </ToastProvider>
      </QueryClientProvider>
    </trpc.Provider>
  );
}
