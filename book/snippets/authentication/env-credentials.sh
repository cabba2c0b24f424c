# Keep the credentials out of the script: read them from the environment, and
# stop with a message naming the variable when one is missing.
: "${EXOTEL_API_KEY:?Missing required Exotel environment variable}"
: "${EXOTEL_API_TOKEN:?Missing required Exotel environment variable}"
: "${EXOTEL_ACCOUNT_SID:?Missing required Exotel environment variable}"
echo "credentials loaded from the environment, account $EXOTEL_ACCOUNT_SID"
