import java.util.*;
import java.io.*;

public class JBNull05 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        return System.getenv("HOME").length();
        return null;
    }
}
